"""A fixed number of SQL statements per request, whatever the page size or the number of links."""

import pytest
import sqlalchemy as sa

from service.domain.db import db
from service.domain.generation import read_generation
from service.web import conditional
from tests.backed import BACKED_THERAPY
from tests.conftest import token_headers

COLLECTIONS = ["therapies", "mechanisms", "indications", "faqs", "sources"]


@pytest.fixture
def client(uncached_app):
    return uncached_app.test_client()


@pytest.fixture
def count_statements(uncached_app, monkeypatch):
    """Statements through SQLAlchemy, and generations' reads, which run on the driver's connection
    below SQLAlchemy's statement events."""
    counts = [0]

    def before_cursor_execute(*_args):
        counts[-1] += 1

    def counted_read_generation(engine, scopes=()):
        counts[-1] += 1
        return read_generation(engine, scopes)

    monkeypatch.setattr(conditional, "read_generation", counted_read_generation)

    with uncached_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)

    def count(client, url, headers=None, status=200):
        counts.append(0)
        response = client.get(url, headers=headers or {})
        assert response.status_code == status
        return counts[-1]

    yield count
    sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_lists_cost_the_same_statements_at_page_size_1_and_100(client, count_statements, collection):
    one = count_statements(client, f"/api/v1/{collection}?page_size=1")
    hundred = count_statements(client, f"/api/v1/{collection}?page_size=100")
    assert one == hundred
    assert one <= 7


def test_filtered_and_searched_lists_and_search_are_bounded(client, count_statements, backend):
    # The first search of a content generation reads its vocabulary; the rest share it.
    first = count_statements(client, "/api/v1/search?q=vaccine")
    assert count_statements(client, "/api/v1/search?q=vaccines") < first
    assert count_statements(client, "/api/v1/therapies?q=cancer&page_size=1") == count_statements(
        client, "/api/v1/therapies?q=cancer&page_size=100"
    )
    # A search counts its matches from the stored sets (read once for each content generation,
    # like the vocabulary) and ranks only what its page can hold: the same statements at any page
    # size, and a page past the last ranks nothing.
    cold = count_statements(client, "/api/v1/search?q=cancer")
    one, every = (count_statements(client, f"/api/v1/search?q=cancer&page_size={size}") for size in (1, 100))
    assert one == every == cold - 1
    past_the_last = count_statements(client, "/api/v1/search?q=cancer&page=100")
    assert past_the_last == one - 1
    # A quoted phrase is ranked in full: on PostgreSQL its page carries its count; on SQLite the
    # count is apart, and the last page is its own count.
    phrase = "/api/v1/search?q=%22immune%20system%22"
    one, every = (count_statements(client, f"{phrase}&page_size={size}") for size in (1, 100))
    assert every == (one if backend.name == "postgresql" else one - 1)
    assert count_statements(client, "/api/v1/faqs?topic=basics&page_size=100") <= 7


def test_items_cost_the_same_however_many_links_they_have(client, count_statements):
    many_links = count_statements(client, "/api/v1/therapies/checkpoint-inhibitors")
    assert len(client.get("/api/v1/therapies/cytokines").json["indications"]) == 0
    assert count_statements(client, "/api/v1/therapies/cytokines") == many_links
    assert many_links <= 6


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/therapies",
        "/api/v1/therapies/checkpoint-inhibitors",
        "/api/v1/sources/immunotherapy-use",
        "/api/v1/search?q=PD-1",
    ],
)
def test_a_304_costs_one_statement(client, count_statements, url):
    etag = client.get(url).headers["ETag"]
    assert count_statements(client, url, headers={"If-None-Match": etag}, status=304) == 1


def _patch_recording_statements(app, client, url, headers) -> tuple[object, list[str]]:
    """A PATCH of the summary, with the first word of each statement it sends and its COMMITs."""
    events = []
    with app.app_context():
        engine = db.engine

    def statement(_connection, _cursor, text, *_args):
        events.append(text.split()[0].upper())

    def commit(_connection):
        events.append("COMMIT")

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        response = client.patch(url, json={"summary": "Changed."}, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)
    return response, events


def test_a_write_answers_from_the_item_in_hand_with_nothing_read_after_its_commit(uncached_app):
    client = uncached_app.test_client()
    editor = token_headers(uncached_app, "editor-in-hand", "editor")
    # A draft: the change is made to the item itself (a published item's waits for review).
    created = client.post("/api/v1/therapies", json=BACKED_THERAPY, headers=editor)
    assert created.status_code == 201
    url, etag = created.headers["Location"], created.headers["ETag"]
    response, events = _patch_recording_statements(uncached_app, client, url, editor | {"If-Match": etag})
    assert response.status_code == 200 and response.json["summary"] == "Changed."
    assert "COMMIT" in events
    # The answer and its ETag are made from the item as written: no statement after the commit.
    assert events[events.index("COMMIT") + 1 :] == []


def test_a_pending_change_is_one_commit_and_its_answer_writes_nothing(uncached_app):
    client = uncached_app.test_client()
    editor = token_headers(uncached_app, "editor-in-hand", "editor")
    url = "/api/v1/therapies/checkpoint-inhibitors"
    etag = client.get(url, headers=editor).headers["ETag"]
    response, events = _patch_recording_statements(uncached_app, client, url, editor | {"If-Match": etag})
    assert response.status_code == 200 and response.json["summary"] == "Changed."
    assert events.count("COMMIT") == 1
    # The answer shows the pending version, read and staged in memory: nothing more is written.
    assert set(events[events.index("COMMIT") + 1 :]) <= {"SELECT"}
    assert client.get(url).json["summary"] != "Changed."
