"""Editors write: validated creates and updates, If-Match, drafts, archiving, revisions, restore."""

import json

import sqlalchemy as sa

from service.domain.db import db
from service.domain.models import ContentItem, Revision
from tests.backed import BACKED_THERAPY

NEW_THERAPY = BACKED_THERAPY


def create(client, headers, collection="therapies", body=None, **extra):
    response = client.post(f"/api/v1/{collection}", json=body or NEW_THERAPY, headers=headers | extra)
    assert response.status_code == 201, response.json
    return response


def patch(client, headers, url, changes, etag=None):
    if etag is None:
        etag = client.get(url, headers=headers).headers["ETag"]
    return client.patch(url, json=changes, headers=headers | {"If-Match": etag})


def test_create_answers_201_with_location_and_etag_and_makes_a_draft(client, editor):
    response = create(client, editor)
    assert response.headers["Location"] == "/api/v1/therapies/oncolytic-virus-therapy"
    assert response.headers["ETag"].startswith('"')
    item = response.json
    assert item["status"] == "draft" and item["version"] == 1 and item["published_at"] is None
    assert item["body"]["html"].startswith("<p>Some drugs help against melanoma.<sup")
    assert [link["slug"] for link in item["indications"]] == ["melanoma"]
    assert client.get(response.headers["Location"]).status_code == 404
    assert client.get(response.headers["Location"], headers=editor).json == item
    drafts = client.get("/api/v1/therapies?status=draft", headers=editor).json
    assert [therapy["slug"] for therapy in drafts] == ["oncolytic-virus-therapy"]


def test_publishing_sets_published_at_once_and_shows_the_item_to_everyone(client, editor):
    url = create(client, editor).headers["Location"]
    published = patch(client, editor, url, {"status": "published"})
    assert published.status_code == 200
    first_published_at = published.json["published_at"]
    assert first_published_at is not None and published.json["version"] == 2
    assert client.get(url).status_code == 200
    assert "oncolytic-virus-therapy" in [
        link["slug"] for link in client.get("/api/v1/indications/melanoma").json["therapies"]
    ]
    patch(client, editor, url, {"status": "draft"})
    again = patch(client, editor, url, {"status": "published"})
    assert again.json["published_at"] == first_published_at


def test_a_new_item_may_be_published_at_once(client, editor):
    response = create(client, editor, body=NEW_THERAPY | {"status": "published"})
    assert client.get(response.headers["Location"]).json["published_at"] is not None


def test_validation_errors_are_422_field_by_field(client, editor):
    response = client.post(
        "/api/v1/therapies", json={"summary": 5, "examples": "x", "colour": "red"}, headers=editor
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]["json"]
    assert errors["name"] == ["Missing data for required field."]
    assert set(errors) >= {"name", "summary", "examples", "colour"}
    bad = client.post(
        "/api/v1/indications",
        json={"name": "X", "summary": "Y", "area": "astrology", "immunotherapy_status": "approved"},
        headers=editor,
    )
    assert "area" in bad.json["errors"]["json"]
    bad_slug = client.post(
        "/api/v1/faqs", json={"question": "Q?", "answer": "A", "slug": "Not A Slug"}, headers=editor
    )
    assert bad_slug.json["errors"]["json"]["slug"]


def test_an_unknown_link_slug_is_a_422_naming_it(client, editor):
    body = NEW_THERAPY | {"indications": ["melanoma", "no-such-disease"]}
    response = client.post("/api/v1/therapies", json=body, headers=editor)
    assert response.status_code == 422
    assert "no-such-disease" in str(response.json["errors"]["json"]["indications"])
    with client.application.app_context():
        assert db.session.scalar(sa.select(ContentItem.id).filter_by(slug="oncolytic-virus-therapy")) is None


def test_a_duplicate_slug_or_name_is_a_409(client, editor):
    taken_slug = client.post("/api/v1/therapies", json=NEW_THERAPY | {"slug": "cytokines"}, headers=editor)
    assert taken_slug.status_code == 409 and "cytokines" in taken_slug.json["detail"]
    taken_name = client.post(
        "/api/v1/therapies", json=NEW_THERAPY | {"name": "Checkpoint inhibitors"}, headers=editor
    )
    assert taken_name.status_code == 409
    assert taken_name.content_type == "application/problem+json"


def test_citations_are_checked_against_the_source_text(client, editor):
    wrong = NEW_THERAPY | {
        "sources": [{"source": "immunotherapy-use", "quote": "This sentence is in no document."}]
    }
    response = client.post("/api/v1/therapies", json=wrong, headers=editor)
    assert response.status_code == 422
    assert "quote" in response.json["errors"]["json"]["sources"]["0"]
    unknown = NEW_THERAPY | {"sources": [{"source": "no-such-source", "quote": "x" * 30}]}
    assert client.post("/api/v1/therapies", json=unknown, headers=editor).status_code == 422


def test_patch_changes_only_what_is_sent_and_lists_replace(client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(url, headers=editor).json
    response = patch(client, editor, url, {"summary": "New summary.", "indications": ["lung-cancer"]})
    assert response.status_code == 200
    after = response.json
    assert after["summary"] == "New summary." and after["version"] == before["version"] + 1
    assert [link["slug"] for link in after["indications"]] == ["lung-cancer"]
    assert after["mechanisms"] == before["mechanisms"] and after["body"] == before["body"]
    assert "checkpoint-inhibitors" not in [
        t["slug"] for t in client.get("/api/v1/indications/melanoma").json["therapies"]
    ]


def test_put_replaces_the_whole_item(client, editor):
    url = "/api/v1/therapies/cytokines"
    etag = client.get(url).headers["ETag"]
    partial = client.put(url, json={"summary": "Only this."}, headers=editor | {"If-Match": etag})
    assert partial.status_code == 422
    whole = client.put(
        url, json=NEW_THERAPY | {"name": "Cytokine therapy"}, headers=editor | {"If-Match": etag}
    )
    assert whole.status_code == 200
    assert whole.json["examples"] == ["nivolumab"] and whole.json["mechanisms"] == []


def test_writes_need_if_match_428_and_a_stale_one_is_412(client, editor):
    url = "/api/v1/therapies/cytokines"
    missing = client.patch(url, json={"summary": "x"}, headers=editor)
    assert missing.status_code == 428 and missing.content_type == "application/problem+json"
    etag = client.get(url).headers["ETag"]
    assert patch(client, editor, url, {"summary": "First."}, etag).status_code == 200
    stale = patch(client, editor, url, {"summary": "Second."}, etag)
    assert stale.status_code == 412
    assert client.get(url).json["summary"] == "First."
    assert client.delete(url, headers=editor | {"If-Match": etag}).status_code == 412
    assert client.delete(url, headers=editor).status_code == 428


def test_the_public_and_the_editor_etag_both_serve_as_if_match(client, editor):
    url = "/api/v1/therapies/cytokines"
    public_etag = client.get(url).headers["ETag"]
    editor_etag = client.get(url, headers=editor).headers["ETag"]
    assert public_etag != editor_etag
    assert patch(client, editor, url, {"summary": "By the public ETag."}, public_etag).status_code == 200
    assert patch(client, editor, url, {"summary": "Stale."}, editor_etag).status_code == 412


def test_delete_archives_and_erases_nothing(app, client, editor):
    url = "/api/v1/faqs/what-is-immunotherapy"
    etag = client.get(url).headers["ETag"]
    archived = client.delete(url, headers=editor | {"If-Match": etag})
    assert archived.status_code == 200 and archived.json["status"] == "archived"
    assert client.get(url).status_code == 404
    assert "what-is-immunotherapy" not in [f["slug"] for f in client.get("/api/v1/faqs?page_size=100").json]
    assert client.get(url, headers=editor).json["status"] == "archived"
    republished = patch(client, editor, url, {"status": "published"}, archived.headers["ETag"])
    assert republished.status_code == 200
    assert client.get(url).json["answer"] == archived.json["answer"]


def test_a_write_to_a_missing_item_is_a_404(client, editor):
    response = client.patch("/api/v1/therapies/nothing-here", json={}, headers=editor | {"If-Match": '"x"'})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_every_change_writes_a_revision_with_author_time_and_note(client, editor):
    url = "/api/v1/therapies/cytokines"
    patch(client, editor | {"X-Change-Note": "Fixed the summary."}, url, {"summary": "Better."})
    patch(client, editor, url, {"summary": "Best.", "change_note": "Again."})
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert [(r["version"], r["author"], r["note"]) for r in revisions] == [
        (3, "editor-ann", "Again."),
        (2, "editor-ann", "Fixed the summary."),
        (1, "seed", "Seeded."),
    ]
    assert revisions[0]["time"].endswith("+00:00")
    first = client.get(f"{url}/revisions/1", headers=editor).json
    assert first["snapshot"]["summary"] != "Best." and first["snapshot"]["slug"] == "cytokines"
    assert client.get(f"{url}/revisions/9", headers=editor).status_code == 404
    assert client.get(f"{url}/revisions").status_code == 401


def test_restore_makes_an_old_version_current_as_a_new_version(client, editor):
    url = "/api/v1/therapies/cytokines"
    original = client.get(url).json
    changed = patch(client, editor, url, {"summary": "Wrong.", "examples": ["interleukins"]})
    assert changed.status_code == 200, changed.json
    etag = client.get(url).headers["ETag"]
    assert client.post(f"{url}/revisions/1/restore", headers=editor).status_code == 428
    restored = client.post(f"{url}/revisions/1/restore", headers=editor | {"If-Match": etag})
    assert restored.status_code == 200
    assert restored.json["version"] == 3
    for field in ("summary", "alternate_names", "examples", "indications", "mechanisms", "body", "sources"):
        assert restored.json[field] == original[field]
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert revisions[0]["action"] == "restored"


def test_a_rename_keeps_the_old_slug_as_a_redirect(client, editor):
    response = patch(client, editor, "/api/v1/therapies/cytokines", {"slug": "cytokine-therapy"})
    assert response.json["slug"] == "cytokine-therapy"
    assert response.json["href"] == "/api/v1/therapies/cytokine-therapy"
    old = client.get("/api/v1/therapies/cytokines")
    assert old.status_code == 301 and old.headers["Location"].endswith("/therapies/cytokine-therapy")


def test_every_write_bumps_the_generation_and_shows_in_the_feed(client, editor):
    list_etag = client.get("/api/v1/therapies").headers["ETag"]
    cursor = client.get("/api/v1/changes").json["next_cursor"]
    patch(client, editor, "/api/v1/therapies/cytokines", {"summary": "Changed."})
    assert client.get("/api/v1/therapies", headers={"If-None-Match": list_etag}).status_code == 200
    changes = client.get(f"/api/v1/changes?since={cursor}").json["changes"]
    assert [(c["slug"], c["version"], c["action"]) for c in changes] == [("cytokines", 2, "updated")]


def test_a_rejected_write_changes_nothing(app, client, editor):
    with app.app_context():
        revisions = db.session.scalar(sa.select(sa.func.count(Revision.id)))
    url = "/api/v1/therapies/cytokines"
    response = patch(client, editor, url, {"summary": "Half.", "mechanisms": ["no-such-mechanism"]})
    assert response.status_code == 422
    assert client.get(url).json["version"] == 1 and client.get(url).json["summary"] != "Half."
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == revisions


def test_a_list_counts_what_its_reader_may_see_of_its_own_kind(client, editor):
    create(client, editor)

    def total_and_listed(url, headers=None):
        response = client.get(url, headers=headers or {})
        return json.loads(response.headers["X-Pagination"])["total"], len(response.json)

    public_total, public_listed = total_and_listed("/api/v1/therapies?page_size=100")
    editor_total, editor_listed = total_and_listed("/api/v1/therapies?status=any&page_size=100", editor)
    assert public_total == public_listed and editor_total == editor_listed == public_total + 1
    assert total_and_listed("/api/v1/therapies?status=draft", editor) == (1, 1)


def test_a_slug_is_checked_whole_so_no_header_can_be_broken(client, editor):
    created = client.post(
        "/api/v1/mechanisms", json={"name": "Newline", "summary": "s.", "slug": "nl-slug\n"}, headers=editor
    )
    assert created.status_code == 422 and "slug" in created.json["errors"]["json"]
    assert client.get("/api/v1/mechanisms?status=any&page_size=100", headers=editor).json == [
        item
        for item in client.get("/api/v1/mechanisms?status=any&page_size=100", headers=editor).json
        if item["slug"] != "nl-slug\n"
    ]
    renamed = patch(client, editor, "/api/v1/indications/melanoma", {"slug": "melanoma\n"})
    assert renamed.status_code == 422
    assert client.get("/api/v1/indications/melanoma").json["slug"] == "melanoma"


def test_a_name_in_any_script_gets_a_transliterated_slug(client, editor):
    response = create(client, editor, body=NEW_THERAPY | {"name": "免疫療法"})
    assert response.headers["Location"] == "/api/v1/therapies/mian-yi-liao-fa"
    assert client.get(response.headers["Location"], headers=editor).json["name"] == "免疫療法"


def test_a_name_with_nothing_to_make_a_slug_from_is_a_422_naming_slug(client, editor):
    before = client.get("/api/v1/therapies?status=any", headers=editor).headers["X-Pagination"]
    response = client.post("/api/v1/therapies", json=NEW_THERAPY | {"name": "!!! ???"}, headers=editor)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "slug" in response.json["errors"]["json"]
    assert client.get("/api/v1/therapies?status=any", headers=editor).headers["X-Pagination"] == before
    # With a slug of its own, the same name is fine.
    assert create(client, editor, body=NEW_THERAPY | {"name": "!!! ???", "slug": "punctuation"})


def test_the_etag_a_write_answers_is_the_one_a_read_answers_after_it(client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    for changes in ({"summary": "Changed."}, {"mechanisms": ["checkpoint-blockade"], "indications": []}):
        written = patch(client, editor, url, changes)
        assert written.status_code == 200
        read = client.get(url, headers=editor)
        assert read.headers["ETag"] == written.headers["ETag"]
        assert read.headers["Last-Modified"] == written.headers["Last-Modified"]
        assert client.get(url, headers=editor | {"If-None-Match": written.headers["ETag"]}).status_code == 304


def test_put_replaces_the_content_and_keeps_status_and_slug(client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(url, headers=editor).json
    assert before["body"]["markdown"] and before["examples"] and before["mechanisms"] and before["sources"]
    etag = client.get(url, headers=editor).headers["ETag"]
    citation = {
        "id": "c1",
        "source": "immunotherapy-use",
        "quote": "Immune checkpoint inhibitors are among the most well-known.",
        "supports": ["summary"],
    }
    replaced = client.put(
        url,
        json={"name": "Checkpoint inhibitors", "summary": "Only this.", "sources": [citation]},
        headers=editor | {"If-Match": etag},
    )
    assert replaced.status_code == 200
    item = replaced.json
    assert item["summary"] == "Only this." and item["version"] == before["version"] + 1
    assert item["body"] == {"markdown": "", "html": ""}
    assert item["examples"] == item["mechanisms"] == item["indications"] == []
    assert item["side_effects"] is None  # unknown again, not "none"
    assert [c["quote"] for c in item["sources"]] == [citation["quote"]] and item["alternate_names"] == []
    assert (item["slug"], item["status"]) == (before["slug"], before["status"])
    # The links are gone from the other end too.
    mechanism = client.get("/api/v1/mechanisms/checkpoint-blockade").json
    assert "checkpoint-inhibitors" not in [link["slug"] for link in mechanism["therapies"]]


def test_put_without_a_required_field_is_a_422_and_changes_nothing(client, editor):
    url = "/api/v1/faqs/what-is-immunotherapy"
    before = client.get(url, headers=editor)
    response = client.put(
        url, json={"question": "Only a question?"}, headers=editor | {"If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 422 and "answer" in response.json["errors"]["json"]
    assert client.get(url, headers=editor).json == before.json


def test_side_effects_tell_unknown_from_none(client, editor):
    url = "/api/v1/therapies/allergen-immunotherapy"
    # The sources say nothing of any kind's own side effects: unknown, not none.
    assert {therapy["side_effects"] for therapy in client.get("/api/v1/therapies").json} == {None}
    none = patch(client, editor, url, {"side_effects": []})
    assert none.status_code == 200 and none.json["side_effects"] == []
    unknown = patch(client, editor, url, {"side_effects": None})
    assert unknown.status_code == 200 and unknown.json["side_effects"] is None
    assert client.get(url, headers=editor).json["side_effects"] is None


def test_the_etag_of_a_public_read_is_a_good_if_match_though_a_draft_is_linked(client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    draft = {"name": "A hidden mechanism", "summary": "Draft.", "therapies": ["checkpoint-inhibitors"]}
    assert create(client, editor, "mechanisms", body=draft).json["status"] == "draft"
    public_etag = client.get(url).headers["ETag"]
    assert public_etag != client.get(url, headers=editor).headers["ETag"]
    response = client.patch(url, json={"summary": "Changed."}, headers=editor | {"If-Match": public_etag})
    assert response.status_code == 200
