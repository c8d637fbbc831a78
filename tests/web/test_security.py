"""Security headers on every answer, and no debugger under the production server."""

import os
import subprocess
import sys
from pathlib import Path

from service.settings import PROJECT_ROOT

THERAPY = "/api/v1/therapies/checkpoint-inhibitors"
OWN_ORIGIN_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}


def _policy(response) -> dict[str, set[str]]:
    directives = (part.split() for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: set(sources) for name, *sources in directives}


def test_json_answers_are_data_that_loads_nothing(client, editor):
    etag = client.get(THERAPY).headers["ETag"]
    answers = [
        client.get(THERAPY),  # from the response cache
        client.get(THERAPY, headers={"If-None-Match": etag}),  # a 304, from the cache too
        client.get("/api/v1/therapies?page_size=1000"),  # a 422 problem
        client.get("/api/v1/therapies/no-such-thing"),
        client.get(THERAPY, headers=editor),
        client.post("/api/v1/faqs", json={}, headers=editor),
    ]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.status
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert _policy(response)["default-src"] == {"'none'"}
        assert _policy(response)["frame-ancestors"] == {"'none'"}


def test_the_docs_pages_may_load_only_from_their_own_origin(client):
    for page in ("/api/v1/docs", "/api/v1/redoc"):
        response = client.get(page)
        policy = _policy(response)
        assert policy["default-src"] == {"'self'"}
        assert policy["script-src"] == {"'self'"}
        assert set().union(*policy.values()) <= OWN_ORIGIN_SOURCES
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def _gunicorn_check_config(flask_debug: str) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["gunicorn", "--config", "gunicorn.conf.py", "--check-config", "service:create_app()"],
        cwd=PROJECT_ROOT,
        env=os.environ | {"FLASK_DEBUG": flask_debug, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_production_server_refuses_to_start_with_the_debugger_on():
    refused = _gunicorn_check_config("1")
    assert refused.returncode != 0
    assert "FLASK_DEBUG" in refused.stderr
    assert _gunicorn_check_config("0").returncode == 0
