"""The edge: nginx caching in front of the service (edge.conf.template), and the code that runs it
from this checkout (nginx.py; `make edge` runs `python -m edge`)."""
