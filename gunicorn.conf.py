"""gunicorn settings, from the service's own settings (HOST, PORT, WEB_CONCURRENCY)."""

import os

from gunicorn.glogging import Logger

from service.security import refuse_debug_in_production
from service.settings import Settings

refuse_debug_in_production()
_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# No access log: the service writes one JSON line per request itself (service/request_log.py),
# and gunicorn's own lines are JSON too.
accesslog = None


class ServiceLogger(Logger):
    """gunicorn's logger without its access log.

    With `logconfig_dict` set, gunicorn builds an access record for every request even though
    nothing prints it: under load, py-spy put it at about 8% of a worker's time. (So gunicorn's
    `--access-logfile` does nothing here, and neither would its statsd logger.)
    """

    def access(self, resp, req, environ, request_time) -> None:
        pass


logger_class = ServiceLogger
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.request_log.json_formatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "root": {"level": _settings.log_level, "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
}
