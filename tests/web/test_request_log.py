"""Request logging: one structured line per request, with its id, its token's name and never the token."""

import json
import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from pythonjsonlogger.json import JsonFormatter

from service.domain.db import db
from service.web.request_log import json_formatter

THERAPY = "/api/v1/therapies/checkpoint-inhibitors"


def get(client, path, **kwargs):
    # A server closes every response once its body is sent: the line is written then.
    response = client.get(path, **kwargs)
    response.close()
    return response


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="service.requests")

    def lines():
        return [record for record in caplog.records if record.name == "service.requests"]

    return lines


def test_every_request_cached_or_not_is_one_line_with_its_id(client, request_lines):
    for _ in range(2):  # the second is answered by the response cache, before Flask
        response = get(client, THERAPY, headers={"X-Request-ID": "front-end.42"})
        assert response.headers["X-Request-ID"] == "front-end.42"
    lines = request_lines()
    assert len(lines) == 2
    for line in lines:
        assert (line.method, line.path, line.status, line.request_id) == ("GET", THERAPY, 200, "front-end.42")
        assert line.duration_ms >= 0
        assert not hasattr(line, "token")


def test_a_request_without_a_usable_id_gets_one_made(client):
    made = get(client, THERAPY).headers["X-Request-ID"]
    forged = get(client, THERAPY, headers={"X-Request-ID": 'x", "status": 200'}).headers["X-Request-ID"]
    too_long = get(client, THERAPY, headers={"X-Request-ID": "x" * 200}).headers["X-Request-ID"]
    assert {len(made), len(forged), len(too_long)} == {32}
    assert len({made, forged, too_long}) == 3


def test_the_token_is_named_never_shown(client, editor, request_lines):
    secret = editor["Authorization"].removeprefix("Bearer ")
    get(client, THERAPY, headers=editor)
    get(client, THERAPY, headers={"Authorization": "Bearer wrong-secret"})
    lines = request_lines()
    assert [getattr(line, "token", None) for line in lines] == ["editor-ann", None]
    assert [line.status for line in lines] == [200, 401]
    formatted = "".join(JsonFormatter().format(line) for line in lines)
    assert secret not in formatted and "wrong-secret" not in formatted


def test_log_lines_are_json_objects_with_every_field_and_utc_times(client, editor, request_lines):
    get(client, THERAPY, headers=editor | {"X-Request-ID": "front-end.43"})
    [record] = request_lines()
    line = json.loads(json_formatter().format(record))
    assert datetime.fromisoformat(line.pop("time")).utcoffset() == timedelta(0)
    assert line == {
        "level": "INFO",
        "logger": "service.requests",
        "message": "request",
        "method": "GET",
        "path": THERAPY,
        "status": 200,
        "duration_ms": record.duration_ms,
        "request_id": "front-end.43",
        "client": "127.0.0.1",
        "token": "editor-ann",
    }
    # Any other line keeps whatever fields it was given.
    other = logging.getLogger("service.web.errors").makeRecord(
        "service.web.errors", logging.ERROR, __file__, 1, "unavailable", (), None, extra={"request_id": "r1"}
    )
    line = json.loads(json_formatter().format(other))
    assert (line["logger"], line["message"], line["request_id"]) == (
        "service.web.errors",
        "unavailable",
        "r1",
    )


def test_an_error_keeps_its_trace_in_the_log_and_gives_the_client_its_id(app, client, caplog):
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE public_items"))
        db.session.commit()
    response = get(client, "/api/v1/faqs", headers={"X-Request-ID": "report-me"})
    assert response.status_code == 500
    assert "report-me" in response.json["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    [error] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert error.request_id == "report-me"
    assert error.exc_info is not None
