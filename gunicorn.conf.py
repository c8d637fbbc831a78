"""gunicorn settings, from the service's own settings (HOST, PORT, WEB_CONCURRENCY)."""

import os

from service.settings import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
