"""The response cache: anonymous reads served from memory, never stale, never for a token, bounded."""

import pytest
import sqlalchemy as sa

from service.domain.db import db
from service.domain.generation import public_generation_sql
from service.web.response_cache import CachedResponse, ResponseCache
from tests.apps import make_app
from tests.workflow import approve


@pytest.fixture
def database_use(app):
    """What reaches the database: statements made through SQLAlchemy and connections taken from the
    pool (the cache reads the generation on the pooled driver connection, below SQLAlchemy's
    statement events); on SQLite, every statement the driver runs, by its own trace hook."""
    use = {"statements": 0, "checkouts": 0, "driver_sql": []}

    def count_statement(*_args):
        use["statements"] += 1

    def count_checkout(dbapi_connection, *_args):
        use["checkouts"] += 1
        if hasattr(dbapi_connection, "set_trace_callback"):
            dbapi_connection.set_trace_callback(use["driver_sql"].append)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count_statement)
    sa.event.listen(engine.pool, "checkout", count_checkout)
    yield use
    sa.event.remove(engine, "before_cursor_execute", count_statement)
    sa.event.remove(engine.pool, "checkout", count_checkout)


def test_a_repeated_anonymous_read_is_served_from_memory_with_one_tiny_query(backend, client, database_use):
    first = client.get("/api/v1/therapies?page_size=3")
    database_use.update(statements=0, checkouts=0, driver_sql=[])
    again = client.get("/api/v1/therapies?page_size=3")
    # One connection, used for the content generation alone: no view, no serialization.
    assert (database_use["statements"], database_use["checkouts"]) == (0, 1)
    if backend.name == "sqlite":
        assert database_use["driver_sql"] == [public_generation_sql(("therapy",))]
    assert again.data == first.data
    for header in ("ETag", "X-Pagination", "Link", "Content-Type"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["Cache-Control"].startswith("public, max-age=60")
    assert (
        client.get(
            "/api/v1/therapies?page_size=3", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )


def _served_from_memory(client, database_use, url: str) -> bool:
    database_use.update(statements=0, checkouts=0, driver_sql=[])
    assert client.get(url).status_code == 200
    return database_use["statements"] == 0


def test_a_change_chills_only_the_responses_that_show_it(client, database_use, editor, reviewer):
    shown = ["/api/v1/faqs", "/api/v1/faqs/what-is-immunotherapy", "/api/v1/search?q=immunotherapy"]
    # Mechanisms and indications show no FAQ; the spec shows no content at all.
    untouched = ["/api/v1/mechanisms", "/api/v1/indications/melanoma", "/api/v1/openapi.json"]
    for url in shown + untouched:
        client.get(url)
    faq = "/api/v1/faqs/what-is-immunotherapy"
    read = client.get(faq)
    answer = read.json["answer"]["markdown"].replace("treatment", "treatment (freshly said)", 1)
    changed = client.patch(faq, json={"answer": answer}, headers=editor | {"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200
    # Waiting for review, nothing public changed: every cached response stays.
    assert all(_served_from_memory(client, database_use, url) for url in shown + untouched)
    approve(client, faq, editor, reviewer, changed.headers["ETag"])
    assert not any(_served_from_memory(client, database_use, url) for url in shown)
    assert all(_served_from_memory(client, database_use, url) for url in untouched)
    assert "(freshly said)" in client.get(faq).json["answer"]["markdown"]


def test_an_approved_change_shows_at_once_and_a_pending_one_not_at_all(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    before = client.get(url)
    etag = client.get(url, headers=editor).headers["ETag"]
    changed = client.patch(url, json={"summary": "Fresh."}, headers=editor | {"If-Match": etag})
    assert changed.status_code == 200
    # A change waiting for review is not public: the public read stays as it was.
    waiting = client.get(url)
    assert waiting.data == before.data and waiting.headers["ETag"] == before.headers["ETag"]
    assert client.get(f"{url}?preview=true", headers=editor).json["summary"] == "Fresh."
    approve(client, url, editor, reviewer, changed.headers["ETag"])
    after = client.get(url)
    assert after.json["summary"] == "Fresh."
    assert after.headers["ETag"] != before.headers["ETag"]


def test_another_instance_sees_a_write_at_once(app, client, editor):
    # Two workers or two servers: their caches key on the generation kept in the database.
    other = make_app(app.config["SETTINGS"].database_url).test_client()
    assert other.get("/api/v1/faqs/what-is-immunotherapy").status_code == 200
    etag = client.get("/api/v1/faqs/what-is-immunotherapy").headers["ETag"]
    client.delete("/api/v1/faqs/what-is-immunotherapy", headers=editor | {"If-Match": etag})
    assert other.get("/api/v1/faqs/what-is-immunotherapy").status_code == 404
    with other.application.app_context():
        db.engine.dispose()


def test_reads_with_a_token_are_never_cached(client, editor):
    client.get("/api/v1/faqs?status=any", headers=editor)
    assert client.get("/api/v1/faqs?status=any").status_code == 401
    draft = client.post("/api/v1/faqs", json={"question": "Draft?", "answer": "Yes."}, headers=editor)
    assert client.get(draft.headers["Location"]).status_code == 404


def _key(number: int) -> tuple:
    return (1, f"/api/v1/faqs/{number}", (), "application/json", None)


def test_the_cache_is_bounded_in_entries_and_bytes():
    cache = ResponseCache(max_entries=3, max_bytes=800)
    for number in range(5):
        cache.put(_key(number), CachedResponse(b"x" * 50, (), None))
    assert len(cache) == 3 and cache.get(_key(0)) is None and cache.get(_key(4)) is not None
    cache.put(_key(9), CachedResponse(b"x" * 101, (), None))  # over an eighth of the bytes: not kept
    assert cache.get(_key(9)) is None
    for number in range(3):
        cache.put(_key(10 + number), CachedResponse(b"x" * 70, (("ETag", '"e"'),), None))
    assert cache.bytes <= 800


def test_the_byte_bound_counts_what_a_client_sends_in_the_query(app):
    # 4 KB of topics no FAQ has: kept in the cache key and echoed in `Link` (first, last).
    max_bytes = 1024 * 1024
    limited = make_app(app.config["SETTINGS"].database_url, response_cache_bytes=max_bytes)
    cache = limited.extensions["response_cache"]
    client = limited.test_client()
    for number in range(100):
        topics = ",".join(f"{number}-{part}-{'j' * 190}" for part in range(21))
        response = client.get(f"/api/v1/faqs?page_size=1&topic={topics}")
        assert response.status_code == 200
    assert cache.bytes <= max_bytes
    # Each entry holds the topics at least three times (the key, `first` and `last`), so no more
    # entries than that fit in the bound.
    assert 0 < len(cache) <= max_bytes // (3 * 4096)
    with limited.app_context():
        db.engine.dispose()


def test_a_path_spelled_with_extra_slashes_is_the_same_cached_response(client, database_use):
    first = client.get("/api/v1/therapies?page_size=2")
    database_use.update(statements=0, checkouts=0)
    again = client.get("/", query_string="page_size=2", environ_overrides={"PATH_INFO": "//api/v1/therapies"})
    assert again.status_code == 200 and again.data == first.data
    assert "Location" not in again.headers
    assert (database_use["statements"], database_use["checkouts"]) == (0, 1)


def test_the_cache_can_be_turned_off(uncached_app):
    assert "response_cache" not in uncached_app.extensions
    assert uncached_app.test_client().get("/api/v1/therapies").status_code == 200


def test_a_repeated_parameter_is_never_answered_from_another_query(client):
    # A single-valued one repeated is refused, whatever was cached for its first value.
    assert client.get("/api/v1/therapies?sort=-name").status_code == 200
    assert client.get("/api/v1/therapies?sort=-name&sort=name").status_code == 422
    # A list's values given by repeating it mean what they mean comma-separated, in any order.
    both = slugs(client.get("/api/v1/therapies?indication=melanoma,leukemia"))
    assert slugs(client.get("/api/v1/therapies?indication=leukemia&indication=melanoma")) == both
    only_one = slugs(client.get("/api/v1/therapies?indication=leukemia"))
    assert only_one != both and set(only_one) < set(both)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["slug"] for item in response.json]


LD = {"Accept": "application/ld+json"}


@pytest.mark.parametrize("first", [{}, LD])
def test_json_and_json_ld_are_cached_apart(client, database_use, first):
    url = "/api/v1/therapies/cytokines"
    second = LD if first == {} else {}
    answers = {"first": client.get(url, headers=first), "second": client.get(url, headers=second)}
    assert answers["first"].content_type != answers["second"].content_type
    database_use.update(statements=0, checkouts=0)
    for _ in range(2):
        for name, headers in (("first", first), ("second", second)):
            again = client.get(url, headers=headers)
            assert again.data == answers[name].data
            assert again.headers["Content-Type"] == answers[name].headers["Content-Type"]
            assert again.headers["ETag"] == answers[name].headers["ETag"]
    # Every one of those from memory.
    assert (database_use["statements"], database_use["checkouts"]) == (0, 4)
    # A validator of one representation never makes a cached 304 of the other.
    for name, headers, other in (("first", first, "second"), ("second", second, "first")):
        crossed = client.get(url, headers=headers | {"If-None-Match": answers[other].headers["ETag"]})
        assert crossed.status_code == 200 and crossed.data == answers[name].data
        same = client.get(url, headers=headers | {"If-None-Match": answers[name].headers["ETag"]})
        assert same.status_code == 304


def test_the_many_spellings_of_accept_share_one_entry_per_representation(app, client):
    cache = app.extensions["response_cache"]
    url = "/api/v1/faqs/what-is-immunotherapy"
    json_accepts = [
        None,
        "*/*",
        "application/json",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    ]
    ld_accepts = ["application/ld+json", "application/ld+json, application/json;q=0.9"]
    before = len(cache)
    for accept in json_accepts + ld_accepts:
        client.get(url, headers={"Accept": accept} if accept else {})
    assert len(cache) == before + 2
