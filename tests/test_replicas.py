"""Replicas, measured together: two instances of the service under gunicorn, on one PostgreSQL
database and one Redis, behind the edge with both as its upstream servers. A write through one is
read through the other at once, and a rate-limit budget spent on one is spent on both.

Which replica served a request is read from the replicas' own logs, by the request's id (the
edge passes it on)."""

import os
import time
import uuid
from pathlib import Path

import pytest
import redis

from edge.nginx import running_edge
from tests.apps import app_on
from tests.conftest import token_headers
from tests.servers import free_port, nginx_or_skip, running_server, send

GUNICORN = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]
# A database of Redis's own, apart from the other tests' budgets.
REDIS_URI = "redis://127.0.0.1:6379/7"
ITEM = "/api/v1/therapies/cytokines"
WRITES = 3


@pytest.fixture
def replicas(backend, tmp_path):
    """The edge's URL and a function naming the replica that served a request id; an editor's and
    another editor's headers (a write budget each)."""
    if backend.name != "postgresql":
        pytest.skip("Replicas share one PostgreSQL database: this runs on PostgreSQL (TEST_DATABASE_URL).")
    nginx = nginx_or_skip()
    try:
        redis.Redis.from_url(REDIS_URI).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379: .ci/run starts it.")
        pytest.skip("Redis is not running on 127.0.0.1:6379.")
    url = backend.databases.copy(backend.template_url)
    with app_on(url) as app:
        people = token_headers(app, "editor-ann", "editor"), token_headers(app, "editor-bo", "editor")
    settings = {
        "TRUSTED_PROXIES": "1",
        "RATELIMIT_STORAGE_URI": REDIS_URI,
        "RATELIMIT_WRITES": f"{WRITES}/minute",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    }
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "second")}
    try:
        with (
            running_server(GUNICORN, url, log_path=logs["first"], **settings) as (first, _),
            running_server(GUNICORN, url, log_path=logs["second"], **settings) as (second, _),
        ):
            upstreams = [base.removeprefix("http://") for base in (first, second)]
            with running_edge(tmp_path / "edge", free_port(), upstreams, nginx=nginx) as base:
                yield base, lambda request_id: served_by(logs, request_id), *people
    finally:
        backend.databases.drop(url)


def served_by(logs: dict[str, Path], request_id: str) -> str:
    """The replica whose log has the request: it writes its line as the answer leaves, so a moment
    after the client has it, at most."""
    deadline = time.monotonic() + 5
    while True:
        found = [name for name, log in logs.items() if f'"request_id": "{request_id}"' in log.read_text()]
        if found or time.monotonic() > deadline:
            [name] = found
            return name
        time.sleep(0.05)


def test_a_write_through_one_replica_is_read_through_the_other_at_once(replicas):
    base, served_by, editor, _other = replicas
    run = uuid.uuid4().hex[:8]
    faq = {"question": "Is this read on the other replica?", "answer": "At once."}
    created = send(base, "POST", "/api/v1/faqs", headers=editor | {"X-Request-ID": f"{run}-write"}, body=faq)
    assert created.status == 201
    url = created.headers["Location"]
    reads = []
    for number in range(4):
        request_id = f"{run}-read-{number}"
        # With a token: past the edge's cache, to a replica, every time.
        read = send(base, "GET", url, headers=editor | {"X-Request-ID": request_id})
        assert (read.status, read.headers["X-Cache-Status"]) == (200, "BYPASS")
        assert read.json()["question"] == faq["question"]
        reads.append(served_by(request_id))
    writer = served_by(f"{run}-write")
    assert {writer, *reads} == {"first", "second"}, "the edge sends requests to both replicas"
    # Anonymous readers, on either replica, still see no draft.
    assert [send(base, "GET", url).status for _ in range(2)] == [404, 404]


def test_a_write_budget_spent_on_one_replica_is_spent_on_the_other(replicas):
    base, served_by, _editor, other = replicas
    run = uuid.uuid4().hex[:8]
    answers = {}
    for number in range(WRITES + 2):
        request_id = f"{run}-write-{number}"
        # Without If-Match a change is refused (428), but it is a write all the same.
        headers = other | {"X-Request-ID": request_id}
        answer = send(base, "PATCH", ITEM, headers=headers, body={"summary": "x"})
        answers[request_id] = (answer.status, served_by(request_id))
    statuses = [status for status, _ in answers.values()]
    assert statuses == [428] * WRITES + [429, 429]
    # Each replica refused a write past the budget, though neither served all of it itself.
    refusing = {replica for status, replica in answers.values() if status == 429}
    assert refusing == {"first", "second"}
    for replica in refusing:
        assert sum(1 for status, name in answers.values() if (status, name) == (428, replica)) < WRITES
