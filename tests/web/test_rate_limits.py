"""Rate limits: anonymous requests per address (cached reads included), writes per token, refused
tokens per address; 429 problem+json with Retry-After; health checks never limited; one budget for
several instances through Redis."""

import os
import threading
import time
import uuid

import pytest
import redis

from service.domain.db import db
from service.settings import Settings
from tests.apps import make_app
from tests.conftest import token_headers

THERAPY = "/api/v1/therapies/checkpoint-inhibitors"
REDIS_URI = "redis://127.0.0.1:6379/0"


@pytest.fixture
def limited(backend):
    """Apps with rate limits on, on one fresh copy of the seeded database."""
    url = backend.databases.copy(backend.template_url)
    apps = []

    def make(**limits):
        app = make_app(url, ratelimit_enabled=True, **limits)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    backend.databases.drop(url)


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def _assert_too_many(response):
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_anonymous_requests_are_limited_per_address_cached_or_not(limited):
    client = limited(ratelimit_anonymous="3/minute").test_client()
    for _ in range(3):
        assert client.get(THERAPY, environ_base=_from("10.0.0.1")).status_code == 200
    response = client.get(THERAPY, environ_base=_from("10.0.0.1"))
    _assert_too_many(response)
    # A browser app must be able to read the refusal.
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(THERAPY, environ_base=_from("10.0.0.2")).status_code == 200


def test_budgets_kept_in_memory_start_no_thread_and_forget_ended_windows(limited, monkeypatch):
    app = limited(ratelimit_anonymous="100/second")
    client = app.test_client()
    started = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread) or start(thread))
    for index in range(5):
        assert client.get(THERAPY, environ_base=_from(f"10.0.1.{index}")).status_code == 200
        # limits' own memory storage starts a thread whenever its last one has ended (10 ms on).
        time.sleep(0.02)
    assert [thread for thread in started if isinstance(thread, threading.Timer)] == []
    storage = next(iter(app.extensions["limiter"])).storage
    assert len(storage.expirations) == 5
    time.sleep(1.1)
    assert client.get(THERAPY, environ_base=_from("10.0.1.9")).status_code == 200
    # Every ended window is forgotten, not only those asked about again.
    assert list(storage.expirations) == [key for key in storage.expirations if "10.0.1.9" in key]
    assert len(storage.expirations) == 1


def test_a_junk_token_is_no_way_around_the_anonymous_budget(limited):
    client = limited(ratelimit_anonymous="2/minute", ratelimit_auth_failures="3/minute").test_client()
    junk = {"Authorization": "junk"}
    # Even where no token is needed, a token that is sent is checked: refused, and counted as such.
    for _ in range(3):
        response = client.get("/api/v1/search?q=melanoma", headers=junk, environ_base=_from("10.0.0.5"))
        assert response.status_code == 401
    _assert_too_many(client.get("/api/v1/search?q=melanoma", headers=junk, environ_base=_from("10.0.0.5")))


def test_health_checks_are_never_limited(limited):
    client = limited(ratelimit_anonymous="1/minute", ratelimit_auth_failures="1/minute").test_client()
    bad_token = {"Authorization": "Bearer not-a-token"}
    client.get(THERAPY)
    client.get(THERAPY, headers=bad_token)
    assert client.get(THERAPY).status_code == 429
    for path in ("/healthz", "/readyz"):
        for _ in range(5):
            assert client.get(path).status_code == 200
            assert client.get(path, headers=bad_token).status_code == 200


def test_writes_are_limited_per_token(limited):
    app = limited(ratelimit_writes="2/minute")
    client = app.test_client()
    editor = token_headers(app, "editor-limited", "editor")
    other = token_headers(app, "editor-other", "editor")
    # Without If-Match a write is refused (428), but it is a write all the same.
    secret = editor["Authorization"].removeprefix("Bearer ")
    # However the header is spelled, it is one token and one budget.
    for spelling in (f"Bearer {secret}", f"bearer   {secret} "):
        assert (
            client.patch(THERAPY, json={"summary": "x"}, headers={"Authorization": spelling}).status_code
            == 428
        )
    _assert_too_many(client.patch(THERAPY, json={"summary": "x"}, headers=editor))
    assert client.patch(THERAPY, json={"summary": "x"}, headers=other).status_code == 428
    # Reads with the same token are not writes.
    assert client.get(THERAPY, headers=editor).status_code == 200


def test_a_burst_of_refused_tokens_locks_the_address_out(limited):
    app = limited(ratelimit_auth_failures="3/minute")
    client = app.test_client()
    good = token_headers(app, "editor-good", "editor")
    for attempt in range(3):
        bad = {"Authorization": f"Bearer guess-{attempt}"}
        assert client.get(THERAPY, headers=bad, environ_base=_from("10.0.0.9")).status_code == 401
    _assert_too_many(
        client.get(THERAPY, headers={"Authorization": "Bearer guess-4"}, environ_base=_from("10.0.0.9"))
    )
    # Even a right guess from that address must wait: a brute force learns nothing more.
    _assert_too_many(client.get(THERAPY, headers=good, environ_base=_from("10.0.0.9")))
    # An editor elsewhere works on, and so do anonymous reads from the locked address.
    assert client.get(THERAPY, headers=good, environ_base=_from("10.0.0.10")).status_code == 200
    assert client.get(THERAPY, environ_base=_from("10.0.0.9")).status_code == 200


@pytest.fixture
def redis_server():
    client = redis.Redis.from_url(REDIS_URI)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379: .ci/run starts it.")
        pytest.skip("Redis is not running on 127.0.0.1:6379.")
    return client


def test_two_instances_share_one_budget_through_redis(limited, redis_server):
    first = limited(ratelimit_anonymous="4/minute", ratelimit_storage_uri=REDIS_URI).test_client()
    second = limited(ratelimit_anonymous="4/minute", ratelimit_storage_uri=REDIS_URI).test_client()
    # An address of its own, so that no earlier run's budget is spent.
    address = f"fd00::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    for client in (first, second, first, second):
        assert client.get(THERAPY, environ_base=_from(address)).status_code == 200
    _assert_too_many(first.get(THERAPY, environ_base=_from(address)))
    _assert_too_many(second.get(THERAPY, environ_base=_from(address)))
    # The budget is in Redis, not in either process.
    assert any(address in key.decode() for key in redis_server.scan_iter("*anonymous*"))


def test_limits_are_on_by_default_and_a_bad_limit_stops_the_start():
    assert Settings.from_env({}).ratelimit_enabled
    with pytest.raises(SystemExit, match="RATELIMIT_WRITES"):
        Settings.from_env({"RATELIMIT_WRITES": "lots"})


def test_a_path_spelled_with_extra_slashes_spends_the_same_budget(limited):
    client = limited(ratelimit_anonymous="3/minute").test_client()
    for _ in range(3):
        assert client.get("/api/v1/therapies", environ_base=_from("10.0.0.20")).status_code == 200
    for spelling in ("//api/v1/therapies", "/api//v1/therapies", "///api/v1///therapies"):
        response = client.get("/", environ_base=_from("10.0.0.20"), environ_overrides={"PATH_INFO": spelling})
        _assert_too_many(response)


def test_refused_tokens_count_on_paths_that_match_no_route(limited):
    app = limited(ratelimit_auth_failures="3/minute")
    client = app.test_client()
    good = token_headers(app, "editor-unrouted", "editor")
    for attempt in range(3):
        bad = {"Authorization": f"Bearer guess-{attempt}"}
        response = client.get("/api/v1/nonexistent", headers=bad, environ_base=_from("10.0.0.21"))
        assert response.status_code == 401
    # No oracle: a right token is refused like a wrong one until the window ends.
    for path in ("/api/v1/nonexistent", "/not-the-api", THERAPY):
        _assert_too_many(client.get(path, headers=good, environ_base=_from("10.0.0.21")))


def test_an_unreachable_store_lets_requests_through_and_says_so_once(limited, caplog):
    # Nothing listens on port 1: every budget check fails at once.
    app = limited(ratelimit_storage_uri="redis://127.0.0.1:1/0")
    client = app.test_client()
    editor = token_headers(app, "editor-no-redis", "editor")
    caplog.set_level("WARNING")
    for _ in range(5):
        assert client.get(THERAPY, environ_base=_from("10.0.0.22")).status_code == 200
        assert client.patch(THERAPY, json={"summary": "x"}, headers=editor).status_code == 428
    outages = [record for record in caplog.records if "rate limit" in record.getMessage().lower()]
    # One line from the service's budgets and one from Flask-Limiter's, each without a traceback.
    assert 1 <= len(outages) <= 2
    for record in outages:
        assert record.exc_info is None and "Traceback" not in caplog.text
        assert "ConnectionError" in record.getMessage()
