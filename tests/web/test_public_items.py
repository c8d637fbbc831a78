"""Anonymous reads answer published items' stored JSON: the same bytes a fresh rendering makes,
after every change that alters what they show, and unchanged by what nobody may see yet."""

import sqlalchemy as sa

from service.domain.db import db
from service.domain.public_items import public_items
from tests.conftest import token_headers
from tests.workflow import approve, preview_etag

COLLECTIONS = ("therapies", "mechanisms", "indications", "faqs", "sources")


def _check(app) -> str:
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    return result.output


def test_stored_reads_are_what_a_fresh_rendering_answers(uncached_app):
    client = uncached_app.test_client()
    editor = token_headers(uncached_app, "editor-ann", "editor")
    with uncached_app.app_context():
        engine = db.engine
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for collection in COLLECTIONS:
        url = f"/api/v1/{collection}?page_size=100"
        # The seed is all published: an editor's read, rendered on the spot, shows the same.
        listed = client.get(url)
        assert listed.status_code == 200
        assert listed.data == client.get(url, headers=editor).data
        for entry in listed.json:
            statements.clear()
            public = client.get(entry["href"])
            # One select of the stored JSON: no links loaded, nothing else read.
            assert public.status_code == 200 and len(statements) == 1, statements
            assert public.data == client.get(entry["href"], headers=editor).data
            assert public.content_type == "application/json"
            revalidated = client.get(entry["href"], headers={"If-None-Match": public.headers["ETag"]})
            assert revalidated.status_code == 304


def test_a_rename_shows_in_every_item_linking_to_it_once_approved(app, client, editor, reviewer):
    therapy_url = "/api/v1/therapies/checkpoint-inhibitors"
    therapy = client.get(therapy_url)
    mechanism = therapy.json["mechanisms"][0]
    renamed = client.patch(
        mechanism["href"],
        json={"name": "Renamed mechanism"},
        headers=editor | {"If-Match": preview_etag(client, mechanism["href"], editor)},
    )
    assert renamed.status_code == 200
    # Waiting for review: the public sees nothing of it, and its copy stays valid.
    unchanged = client.get(therapy_url, headers={"If-None-Match": therapy.headers["ETag"]})
    assert unchanged.status_code == 304
    approve(client, mechanism["href"], editor, reviewer, renamed.headers["ETag"])
    after = client.get(therapy_url)
    assert after.headers["ETag"] != therapy.headers["ETag"]
    assert "Renamed mechanism" in [linked["name"] for linked in after.json["mechanisms"]]
    assert client.get(mechanism["href"]).json["name"] == "Renamed mechanism"
    assert "public JSON agree" in _check(app)


def test_archiving_an_item_takes_it_out_of_its_links_and_its_sources_counts(app, client, editor):
    faq_url = "/api/v1/faqs/what-is-immunotherapy"
    faq = client.get(faq_url).json
    linked = [entry["href"] for name in ("therapies",) for entry in faq[name]]
    cited = {citation["href"] for citation in faq["sources"]}
    counts = {href: client.get(href).json["cited_by"] for href in cited}
    archived = client.delete(faq_url, headers=editor | {"If-Match": preview_etag(client, faq_url, editor)})
    assert archived.status_code == 200
    assert client.get(faq_url).status_code == 404
    for href in linked:
        assert "what-is-immunotherapy" not in [entry["slug"] for entry in client.get(href).json["faqs"]]
    quoted = {href: sum(1 for c in faq["sources"] if c["href"] == href) for href in cited}
    assert {href: client.get(href).json["cited_by"] for href in cited} == {
        href: counts[href] - quoted[href] for href in cited
    }
    assert "public JSON agree" in _check(app)


def test_a_draft_linking_to_a_published_item_changes_nothing_public(client, editor):
    therapy_url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(therapy_url)
    created = client.post(
        "/api/v1/faqs",
        json={
            "question": "Is this draft shown anywhere?",
            "answer": "No, not until it is approved.",
            "therapies": ["checkpoint-inhibitors"],
        },
        headers=editor,
    )
    assert created.status_code == 201
    after = client.get(therapy_url)
    assert after.data == before.data and after.headers["ETag"] == before.headers["ETag"]
    shown_to_editors = client.get(therapy_url, headers=editor).json["faqs"]
    assert "is-this-draft-shown-anywhere" in [faq["slug"] for faq in shown_to_editors]


def test_an_item_not_rendered_yet_is_read_all_the_same_and_flask_render_stores_it(app, client):
    url = "/api/v1/indications/melanoma"
    before = client.get(url)
    with app.app_context():
        db.session.execute(sa.delete(public_items))
        db.session.commit()
    assert client.get(url).data == before.data
    assert client.get("/api/v1/indications?page_size=100").status_code == 200
    found = app.test_cli_runner().invoke(args=["check"])
    assert found.exit_code == 1 and "its stored public JSON is missing" in found.output
    rendered = app.test_cli_runner().invoke(args=["render"])
    assert rendered.exit_code == 0 and "rendered:" in rendered.output
    assert "public JSON agree" in _check(app)
    assert client.get(url).data == before.data
