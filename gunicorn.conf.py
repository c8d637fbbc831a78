"""gunicorn settings, from the service's own settings (HOST, PORT, WEB_CONCURRENCY)."""

import json
import os
from http import HTTPStatus

import gunicorn.util
from gunicorn.glogging import Logger
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.sync import SyncWorker

from service.settings import Settings
from service.web.errors import PROBLEM_MIMETYPE
from service.web.security import refuse_debug_in_production, security_headers

refuse_debug_in_production()
_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# No access log: the service writes one JSON line per request itself (service/web/request_log.py),
# and gunicorn's own lines are JSON too.
accesslog = None
# A request line as long as gunicorn takes (8190 bytes, its most; 4094 by default): the service's
# own limit on the URL (MAX_URI_LENGTH, 8000 by default) is the one a client meets, with a 414.
# Headers keep gunicorn's limits (100 fields, 8190 bytes each): past them, a 431.
limit_request_line = 8190


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
    "formatters": {"json": {"()": "service.web.request_log.json_formatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "root": {"level": _settings.log_level, "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
}


def write_problem(sock, status: int, reason: str, message: str) -> None:
    """gunicorn's own refusals (a malformed request line, too many headers), as problem+json.

    gunicorn answers them before the app sees the request, with an HTML page of its own
    (`gunicorn.util.write_error`); this takes that function's place, so that every answer of the
    service, whoever makes it, is problem+json with the security headers.
    """
    body = json.dumps(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": message[:200] or reason,
        }
    ).encode()
    headers = {"Content-Type": PROBLEM_MIMETYPE, "Content-Length": str(len(body)), "Connection": "close"}
    headers |= security_headers(PROBLEM_MIMETYPE)
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)


gunicorn.util.write_error = write_problem


class ServiceWorker(SyncWorker):
    """gunicorn's sync worker, answering a request line longer than gunicorn takes as what it is, a
    414 (gunicorn says 400): a URL the service's own limit would refuse too, had it reached it."""

    def handle_error(self, req, client, addr, exc) -> None:
        if not isinstance(exc, LimitRequestLine):
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        message = f"The request line is longer than {exc.max_size} bytes: ask with a shorter URL."
        try:
            write_problem(client, 414, "URI Too Long", message)
        except Exception:
            self.log.debug("Failed to send error message.")


worker_class = ServiceWorker
