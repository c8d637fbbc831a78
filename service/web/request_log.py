"""Logs as JSON lines, and one line per request with its id, from the outermost WSGI layer.

The layer wraps everything, the response cache included, so a read answered from the cache is
logged like any other. A request's `X-Request-ID` is kept when it is a plain token (so a proxy's
id follows the request through), otherwise one is made; either way the response echoes it.
"""

import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter
from werkzeug.wsgi import ClosingIterator

REQUEST_ID_ENVIRON_KEY = "service.request_id"
# Set by authentication: the name of the request's token, never the token.
TOKEN_NAME_ENVIRON_KEY = "service.token_name"
# Anything else might forge log lines or hide in them.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# What a request's line holds beyond time, level, logger and message; "token" only when one was sent.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "client", "token")

log = logging.getLogger("service.requests")


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's lines, with UTC ISO 8601 times and a direct path for request lines.

    A request line is written on every request, cached reads included: its fields are known, so
    it skips the general walk over every attribute of the record, half the cost of a line.
    """

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        if record.name != log.name or record.exc_info or record.stack_info:
            return super().format(record)
        attributes = record.__dict__
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((name, attributes[name]) for name in REQUEST_FIELDS if name in attributes)
        return json.dumps(line, default=str)


def json_formatter() -> JsonFormatter:
    """Every log line a JSON object: the service's, and gunicorn's own (gunicorn.conf.py)."""
    return JsonLogFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter())
    # Leaves a logging set-up made before (a test runner's, a server's) in place.
    logging.basicConfig(handlers=[handler])
    # A line per request is on the hot path: skip what no line here shows (the logging HOWTO's
    # "Optimization": caller, thread and process look-ups cost a fifth of each record).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.getLogger().setLevel(level)


class RequestLogMiddleware:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if VALID_REQUEST_ID.fullmatch(given) else secrets.token_hex(16)
        environ[REQUEST_ID_ENVIRON_KEY] = request_id
        status = []

        def start_response_with_id(status_line, headers, exc_info=None):
            status.append(int(status_line.split(" ", 1)[0]))
            headers = [*headers, ("X-Request-ID", request_id)]
            return start_response(status_line, headers, exc_info)

        def log_request():
            fields = {
                "method": environ["REQUEST_METHOD"],
                "path": environ.get("PATH_INFO", ""),
                "status": status[-1] if status else None,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
                "client": environ.get("REMOTE_ADDR"),
            }
            if TOKEN_NAME_ENVIRON_KEY in environ:
                fields["token"] = environ[TOKEN_NAME_ENVIRON_KEY]
            log.info("request", extra=fields)

        return ClosingIterator(self.wsgi_app(environ, start_response_with_id), [log_request])
