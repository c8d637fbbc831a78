# The service on a slim Python, run by a non-root user with the production server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=service HOST=0.0.0.0 PORT=8000
WORKDIR /app

# The exact versions first (a layer that changes only with the pins), then the service itself:
# editable, so that the package finds migrations/ and seed/ beside it, as in a checkout.
COPY requirements.txt ./
RUN pip install --no-cache-dir --requirement requirements.txt
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY service ./service
COPY migrations ./migrations
COPY seed ./seed
COPY bin ./bin
RUN pip install --no-cache-dir --no-deps --editable .

RUN useradd --create-home --uid 10001 app && mkdir -p instance && chown app instance
USER app

EXPOSE 8000
# Serves only: `bin/prepare` (the compose file's `prepare`) migrates and seeds, once, before.
CMD ["bin/serve"]
