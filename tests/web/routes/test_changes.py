"""The change feed: every public change once, oldest first, with a cursor to go on from."""

import sqlalchemy as sa

from service.domain.content import FAQ
from service.domain.db import db
from service.domain.editing import archive_item, create_item, update_item
from service.domain.models import Faq, Therapy
from tests.backed import BACKED_ANSWER


def poll(client, since, page_size=100):
    response = client.get(f"/api/v1/changes?since={since}&page_size={page_size}")
    assert response.status_code == 200
    return response.json


def read_all(client, since=0, page_size=100):
    changes = []
    while True:
        answer = poll(client, since, page_size)
        changes += answer["changes"]
        assert answer["next_cursor"] >= since
        since = answer["next_cursor"]
        if not answer["has_more"]:
            return changes, since


def test_the_feed_starts_with_the_seed_and_pages_without_gaps_or_repeats(client):
    in_pages, _ = read_all(client, page_size=7)
    at_once, _ = read_all(client)
    assert in_pages == at_once
    assert len(at_once) == len({(c["type"], c["slug"], c["version"]) for c in at_once})
    assert {c["action"] for c in at_once} == {"created"}
    assert set(at_once[0]) == {"type", "slug", "version", "action", "status", "time", "href"}


def test_a_poller_sees_each_later_change_once_in_order(app, client):
    _, cursor = read_all(client)
    assert poll(client, cursor) == {"changes": [], "next_cursor": cursor, "has_more": False}
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
        update_item(therapy, {"summary": "Changed."}, author="editor")
        draft = {"question": "A draft?", "answer": "Not public yet.[^1]", "sources": [BACKED_ANSWER]}
        draft_id = create_item(FAQ, draft, author="editor").id
        update_item(therapy, {"slug": "cytokine-therapy"}, author="editor")
        archive_item(therapy, author="editor")
    changes, cursor = read_all(client, cursor)
    assert [(c["slug"], c["version"], c["action"]) for c in changes] == [
        ("cytokines", 2, "updated"),
        ("cytokine-therapy", 3, "updated"),
        ("cytokine-therapy", 4, "archived"),
    ]
    assert changes[-1]["status"] == "archived"
    with app.app_context():
        draft = db.session.get(Faq, draft_id)
        update_item(draft, {"status": "published"}, author="editor")
    changes, _ = read_all(client, cursor)
    assert [(c["slug"], c["action"]) for c in changes] == [("a-draft", "published")]


def test_a_malformed_cursor_is_a_422(client):
    assert client.get("/api/v1/changes?since=abc").status_code == 422
    assert client.get("/api/v1/changes?since=-1").status_code == 422
    # Beyond what any cursor can be: refused, not sent to the database to overflow there.
    assert client.get("/api/v1/changes?since=290984009597").status_code == 422
    assert client.get(f"/api/v1/changes?since={2**31 - 1}").json["changes"] == []
    assert client.get("/api/v1/changes?page_size=1000").status_code == 422


def test_an_item_withdrawn_to_draft_shows_only_the_slug_the_public_knew(app, client):
    _, cursor = read_all(client)
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
        update_item(therapy, {"status": "draft", "slug": "secret-new-name"}, author="editor")
    # A draft is not public: only what is published or withdrawn (archived) reaches the feed.
    assert read_all(client, cursor)[0] == []
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="secret-new-name"))
        archive_item(therapy, author="editor")
        never_public = create_item(FAQ, {"question": "Hidden?", "answer": "Yes."}, author="editor")
        archive_item(never_public, author="editor")
    changes, _ = read_all(client, cursor)
    assert [(c["slug"], c["status"], c["action"], c["href"]) for c in changes] == [
        ("cytokines", "archived", "archived", "/api/v1/therapies/cytokines")
    ]
    assert "secret-new-name" not in client.get("/api/v1/changes?since=0").get_data(as_text=True)
