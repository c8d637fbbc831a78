# The service on a slim Python, run by a non-root user with the production server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=service HOST=0.0.0.0 PORT=8000
WORKDIR /app

COPY pyproject.toml README.md gunicorn.conf.py ./
COPY service ./service
COPY migrations ./migrations
COPY seed ./seed
COPY bin ./bin
# Editable, so that the package finds migrations/ and seed/ beside it, as in a checkout.
RUN pip install --no-cache-dir --editable .

RUN useradd --create-home --uid 10001 app && mkdir -p instance && chown app instance
USER app

EXPOSE 8000
CMD ["bin/serve"]
