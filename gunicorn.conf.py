"""gunicorn settings, from the service's own settings (HOST, PORT, WEB_CONCURRENCY)."""

import os

from service.security import refuse_debug_in_production
from service.settings import Settings

refuse_debug_in_production()
_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# No access log: the service writes one JSON line per request itself (service/request_log.py).
accesslog = None
