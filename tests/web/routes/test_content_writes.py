"""Editors write: validated creates and updates, If-Match, drafts, archiving, revisions, restore."""

import json

import sqlalchemy as sa

from service.domain.db import db
from service.domain.generation import read_generation
from service.domain.models import ContentItem, Revision
from tests.backed import BACKED_THERAPY
from tests.workflow import approve, preview_etag, submit

NEW_THERAPY = BACKED_THERAPY


def create(client, headers, collection="therapies", body=None, **extra):
    response = client.post(f"/api/v1/{collection}", json=body or NEW_THERAPY, headers=headers | extra)
    assert response.status_code == 201, response.json
    return response


def patch(client, headers, url, changes, etag=None):
    """A PATCH with If-Match: the given ETag, or the latest version's (`?preview=true`)."""
    if etag is None:
        etag = preview_etag(client, url, headers)
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


def test_publishing_sets_published_at_once_and_shows_the_item_to_everyone(client, editor, reviewer):
    created = create(client, editor)
    url = created.headers["Location"]
    refused = patch(client, editor, url, {"status": "published"}, created.headers["ETag"])
    assert refused.status_code == 403 and client.get(url).status_code == 404
    # Submitted (version 2), then approved by another person (version 3).
    published = approve(client, url, editor, reviewer, created.headers["ETag"])
    first_published_at = published.json["published_at"]
    assert first_published_at is not None and published.json["version"] == 3
    assert published.json["published_version"] == 3
    assert client.get(url).status_code == 200
    assert "oncolytic-virus-therapy" in [
        link["slug"] for link in client.get("/api/v1/indications/melanoma").json["therapies"]
    ]
    # Withdrawn, brought back as a draft and published again: first published at once only.
    archived = client.delete(url, headers=editor | {"If-Match": published.headers["ETag"]})
    assert archived.status_code == 200 and client.get(url).status_code == 404
    assert patch(client, editor, url, {"status": "draft"}, archived.headers["ETag"]).status_code == 200
    again = approve(client, url, editor, reviewer)
    assert again.json["published_at"] == first_published_at
    assert client.get(url).json["published_at"] == first_published_at


def test_a_new_item_that_says_published_is_refused_and_nothing_is_made(client, editor):
    before = client.get("/api/v1/therapies?status=any", headers=editor).headers["X-Pagination"]
    response = client.post("/api/v1/therapies", json=NEW_THERAPY | {"status": "published"}, headers=editor)
    assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert "approv" in response.json["detail"]
    assert client.get("/api/v1/therapies/oncolytic-virus-therapy", headers=editor).status_code == 404
    assert client.get("/api/v1/therapies?status=any", headers=editor).headers["X-Pagination"] == before


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


def test_patch_changes_only_what_is_sent_and_lists_replace(client, editor, reviewer):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(url, headers=editor).json

    def melanoma_therapies():
        return [t["slug"] for t in client.get("/api/v1/indications/melanoma").json["therapies"]]

    response = patch(client, editor, url, {"summary": "New summary.", "indications": ["lung-cancer"]})
    assert response.status_code == 200
    after = response.json
    # A pending version: the public one stays until a reviewer approves the change.
    assert after["summary"] == "New summary." and after["version"] == before["version"] + 1
    assert after["status"] == "draft" and after["published_version"] == before["version"]
    assert [link["slug"] for link in after["indications"]] == ["lung-cancer"]
    assert after["mechanisms"] == before["mechanisms"] and after["body"] == before["body"]
    assert client.get(url).json["summary"] == before["summary"]
    assert "checkpoint-inhibitors" in melanoma_therapies()
    published = approve(client, url, editor, reviewer).json
    assert published["summary"] == "New summary." and published["mechanisms"] == before["mechanisms"]
    assert [link["slug"] for link in published["indications"]] == ["lung-cancer"]
    assert client.get(url).json["summary"] == "New summary."
    assert "checkpoint-inhibitors" not in melanoma_therapies()


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
    public_summary = client.get(url).json["summary"]
    etag = client.get(url).headers["ETag"]
    first = patch(client, editor, url, {"summary": "First."}, etag)
    assert first.status_code == 200
    # Once a change waits, only the latest version's ETag (as the write answered it) is current.
    stale = patch(client, editor, url, {"summary": "Second."}, etag)
    assert stale.status_code == 412
    assert client.get(f"{url}?preview=true", headers=editor).json["summary"] == "First."
    assert client.get(url).json["summary"] == public_summary
    assert preview_etag(client, url, editor) == first.headers["ETag"]
    assert client.delete(url, headers=editor | {"If-Match": etag}).status_code == 412
    assert client.delete(url, headers=editor).status_code == 428


def test_the_public_and_the_editor_etag_both_serve_as_if_match(client, editor):
    url = "/api/v1/therapies/cytokines"
    public_etag = client.get(url).headers["ETag"]
    editor_etag = client.get(url, headers=editor).headers["ETag"]
    assert public_etag != editor_etag
    assert patch(client, editor, url, {"summary": "By the public ETag."}, public_etag).status_code == 200
    assert patch(client, editor, url, {"summary": "Stale."}, editor_etag).status_code == 412


def test_delete_archives_and_erases_nothing(app, client, editor, reviewer):
    url = "/api/v1/faqs/what-is-immunotherapy"
    etag = client.get(url).headers["ETag"]
    archived = client.delete(url, headers=editor | {"If-Match": etag})
    assert archived.status_code == 200 and archived.json["status"] == "archived"
    assert client.get(url).status_code == 404
    assert "what-is-immunotherapy" not in [f["slug"] for f in client.get("/api/v1/faqs?page_size=100").json]
    assert client.get(url, headers=editor).json["status"] == "archived"
    assert patch(client, editor, url, {"status": "published"}, archived.headers["ETag"]).status_code == 403
    redrafted = patch(client, editor, url, {"status": "draft"}, archived.headers["ETag"])
    assert redrafted.status_code == 200 and redrafted.json["status"] == "draft"
    assert client.get(url).status_code == 404
    approve(client, url, editor, reviewer, redrafted.headers["ETag"])
    assert client.get(url).json["answer"] == archived.json["answer"]


def test_a_write_to_a_missing_item_is_a_404(client, editor):
    response = client.patch("/api/v1/therapies/nothing-here", json={}, headers=editor | {"If-Match": '"x"'})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_every_change_writes_a_revision_with_author_time_and_note(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    better = patch(client, editor | {"X-Change-Note": "Fixed the summary."}, url, {"summary": "Better."})
    assert better.status_code == 200
    best = patch(client, editor, url, {"summary": "Best.", "change_note": "Again."})
    assert best.status_code == 200
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert [(r["version"], r["author"], r["note"], r["status"]) for r in revisions] == [
        (3, "editor-ann", "Again.", "draft"),
        (2, "editor-ann", "Fixed the summary.", "draft"),
        (1, "seed", "Seeded.", "published"),
    ]
    assert revisions[0]["time"].endswith("+00:00")
    first = client.get(f"{url}/revisions/1", headers=editor).json
    assert first["snapshot"]["summary"] != "Best." and first["snapshot"]["slug"] == "cytokines"
    assert client.get(f"{url}/revisions/3", headers=editor).json["snapshot"]["summary"] == "Best."
    assert client.get(f"{url}/revisions/9", headers=editor).status_code == 404
    assert client.get(f"{url}/revisions").status_code == 401
    # Submitting and approving are revisions too, each with its author.
    approve(client, url, editor, reviewer)
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert [(r["version"], r["author"], r["action"]) for r in revisions[:2]] == [
        (5, "reviewer-cy", "published"),
        (4, "editor-ann", "submitted"),
    ]


def test_restore_makes_an_old_version_current_as_a_new_version(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    fields = ("summary", "alternate_names", "examples", "indications", "mechanisms", "body", "sources")
    original = client.get(url).json
    changed = patch(client, editor, url, {"summary": "Wrong.", "examples": ["interleukins"]})
    assert changed.status_code == 200, changed.json
    approve(client, url, editor, reviewer)  # versions 2 to 4
    assert client.get(url).json["summary"] == "Wrong."
    etag = client.get(url).headers["ETag"]
    assert client.post(f"{url}/revisions/1/restore", headers=editor).status_code == 428
    restored = client.post(f"{url}/revisions/1/restore", headers=editor | {"If-Match": etag})
    assert restored.status_code == 200
    assert restored.json["version"] == 5 and restored.json["status"] == "draft"
    for field in fields:
        assert restored.json[field] == original[field]
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert revisions[0]["action"] == "restored"
    # The restored version is public once approved.
    assert client.get(url).json["summary"] == "Wrong."
    approve(client, url, editor, reviewer, restored.headers["ETag"])
    public = client.get(url).json
    assert public["version"] == 7
    for field in fields:
        assert public[field] == original[field]


def test_a_rename_keeps_the_old_slug_as_a_redirect(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    response = patch(client, editor, url, {"slug": "cytokine-therapy"})
    assert response.json["slug"] == "cytokine-therapy"
    assert response.json["href"] == "/api/v1/therapies/cytokine-therapy"
    # Until the rename is approved, the public still finds the item by its old slug.
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/therapies/cytokine-therapy").status_code == 404
    approve(client, url, editor, reviewer, response.headers["ETag"])
    assert client.get("/api/v1/therapies/cytokine-therapy").json["slug"] == "cytokine-therapy"
    old = client.get(url)
    assert old.status_code == 301 and old.headers["Location"].endswith("/therapies/cytokine-therapy")


def test_every_published_change_bumps_the_generation_and_shows_in_the_feed(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    list_etag = client.get("/api/v1/therapies").headers["ETag"]
    cursor = client.get("/api/v1/changes").json["next_cursor"]
    assert patch(client, editor, url, {"summary": "Changed."}).status_code == 200
    # A pending change is not public: the public list is unchanged and the feed shows nothing.
    assert client.get("/api/v1/therapies", headers={"If-None-Match": list_etag}).status_code == 304
    assert client.get(f"/api/v1/changes?since={cursor}").json["changes"] == []
    approve(client, url, editor, reviewer)
    assert client.get("/api/v1/therapies", headers={"If-None-Match": list_etag}).status_code == 200
    changes = client.get(f"/api/v1/changes?since={cursor}").json["changes"]
    assert [(c["slug"], c["version"], c["action"]) for c in changes] == [("cytokines", 4, "published")]


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


def test_the_etag_a_write_answers_is_the_one_a_read_answers_after_it(client, editor, reviewer):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    etag = client.get(url).headers["ETag"]
    for changes in ({"summary": "Changed."}, {"mechanisms": ["checkpoint-blockade"], "indications": []}):
        written = patch(client, editor, url, changes, etag)
        assert written.status_code == 200
        read = client.get(f"{url}?preview=true", headers=editor)
        assert read.headers["ETag"] == written.headers["ETag"] and read.json == written.json
        etag = written.headers["ETag"]  # good for the next write
    # So do the review's steps: each answers the ETag of the version it made.
    approved = approve(client, url, editor, reviewer, etag)
    read = client.get(f"{url}?preview=true", headers=editor)
    assert read.headers["ETag"] == approved.headers["ETag"] and read.json == approved.json


def test_put_replaces_the_content_and_keeps_status_and_slug(client, editor, reviewer):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(url, headers=editor).json
    assert before["body"]["markdown"] and before["examples"] and before["mechanisms"] and before["sources"]
    etag = client.get(url, headers=editor).headers["ETag"]

    def mechanism_therapies():
        mechanism = client.get("/api/v1/mechanisms/checkpoint-blockade").json
        return [link["slug"] for link in mechanism["therapies"]]

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
    # A change to a published item waits for review as a draft; the public keeps the old links.
    assert (item["slug"], item["status"]) == (before["slug"], "draft")
    assert "checkpoint-inhibitors" in mechanism_therapies()
    published = approve(client, url, editor, reviewer, replaced.headers["ETag"]).json
    assert (published["slug"], published["status"]) == (before["slug"], before["status"])
    assert published["summary"] == "Only this." and published["body"] == {"markdown": "", "html": ""}
    # The links are gone from the other end too.
    assert "checkpoint-inhibitors" not in mechanism_therapies()


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
    assert client.get(f"{url}?preview=true", headers=editor).json["side_effects"] is None


def test_the_etag_of_a_public_read_is_a_good_if_match_though_a_draft_is_linked(client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    draft = {"name": "A hidden mechanism", "summary": "Draft.", "therapies": ["checkpoint-inhibitors"]}
    assert create(client, editor, "mechanisms", body=draft).json["status"] == "draft"
    public_etag = client.get(url).headers["ETag"]
    assert public_etag != client.get(url, headers=editor).headers["ETag"]
    response = client.patch(url, json={"summary": "Changed."}, headers=editor | {"If-Match": public_etag})
    assert response.status_code == 200


def _written(app) -> tuple[int, int]:
    """What every write moves on: the number of revisions, and the content generation."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Revision.id))), read_generation(db.engine)


def _as_sent(therapy: dict) -> dict:
    """A therapy's whole content as a PUT sends it, from its representation."""
    content = {
        name: therapy[name] for name in ("name", "alternate_names", "summary", "examples", "side_effects")
    }
    links = {name: [link["slug"] for link in therapy[name]] for name in ("mechanisms", "indications", "faqs")}
    citations = [
        {key: citation[key] for key in ("id", "source", "quote", "supports")}
        for citation in therapy["sources"]
    ]
    return content | links | {"body": therapy["body"]["markdown"], "sources": citations}


def test_a_write_that_changes_nothing_of_a_published_item_makes_no_version(app, client, editor):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    public_etag = client.get(url).headers["ETag"]
    cursor = client.get("/api/v1/changes").json["next_cursor"]
    latest = client.get(f"{url}?preview=true", headers=editor)
    item, etag = latest.json, latest.headers["ETag"]
    written = _written(app)
    unchanged = (
        ("PATCH", {"summary": item["summary"], "indications": [i["slug"] for i in item["indications"]]}),
        ("PATCH", {}),
        ("PUT", _as_sent(item)),
    )
    for method, body in unchanged:
        headers = editor | {"If-Match": etag, "X-Change-Note": "Nothing new."}
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 200, (method, response.json)
        # The item as it stands, with the ETag the writer holds: still current.
        assert response.headers["ETag"] == etag
        assert (response.json["version"], response.json["status"]) == (item["version"], "published")
    assert _written(app) == written
    assert client.get(f"/api/v1/changes?since={cursor}").json["changes"] == []
    assert client.get(url, headers={"If-None-Match": public_etag}).status_code == 304
    assert [r["version"] for r in client.get(f"{url}/revisions", headers=editor).json] == [item["version"]]
    # A change after them is a change like any other.
    changed = patch(client, editor, url, {"summary": "Changed."}, etag)
    assert changed.status_code == 200 and changed.json["version"] == item["version"] + 1
    assert changed.headers["ETag"] != etag


def test_a_write_that_changes_nothing_of_a_draft_makes_no_version(app, client, editor):
    created = create(client, editor)
    url, etag = created.headers["Location"], created.headers["ETag"]
    written = _written(app)
    for body in ({"summary": NEW_THERAPY["summary"]}, {"indications": ["melanoma"], "status": "draft"}, {}):
        response = patch(client, editor, url, body, etag)
        assert (response.status_code, response.headers["ETag"], response.json["version"]) == (200, etag, 1)
    replaced = client.put(url, json=NEW_THERAPY, headers=editor | {"If-Match": etag})
    assert (replaced.status_code, replaced.headers["ETag"]) == (200, etag)
    assert _written(app) == written
    assert [r["version"] for r in client.get(f"{url}/revisions", headers=editor).json] == [1]
    # A list sent other than it stands is a change.
    assert patch(client, editor, url, {"indications": []}, etag).json["version"] == 2


def test_a_write_that_changes_nothing_of_a_change_waiting_for_review_makes_no_version(app, client, editor):
    url = "/api/v1/therapies/cytokines"
    public = client.get(url).json
    waiting = patch(client, editor, url, {"summary": "Waiting for review."})
    assert waiting.status_code == 200
    etag, version = waiting.headers["ETag"], waiting.json["version"]
    written = _written(app)
    same = patch(client, editor, url, {"summary": "Waiting for review."}, etag)
    assert (same.status_code, same.headers["ETag"]) == (200, etag)
    assert (same.json["version"], same.json["status"], same.json["published_version"]) == (
        version,
        "draft",
        public["version"],
    )
    assert _written(app) == written
    # In review, an unchanged write leaves it there: it stays in review.
    in_review = submit(client, url, editor, etag)
    written = _written(app)
    same = patch(client, editor, url, {"summary": "Waiting for review."}, in_review.headers["ETag"])
    assert same.headers["ETag"] == in_review.headers["ETag"] and same.json["status"] == "in_review"
    assert _written(app) == written
    # The published text is not the latest version's: going back to it is a change.
    back = patch(client, editor, url, {"summary": public["summary"]}, in_review.headers["ETag"])
    assert (back.json["version"], back.json["status"]) == (version + 2, "draft")
    assert client.get(url).json == public


def test_archiving_what_is_archived_writes_nothing(app, client, editor):
    url = "/api/v1/faqs/what-is-immunotherapy"
    archived = client.delete(url, headers=editor | {"If-Match": client.get(url).headers["ETag"]})
    assert archived.status_code == 200
    written = _written(app)
    again = client.delete(url, headers=editor | {"If-Match": archived.headers["ETag"]})
    assert (again.status_code, again.headers["ETag"]) == (200, archived.headers["ETag"])
    assert (again.json["version"], again.json["status"]) == (archived.json["version"], "archived")
    assert _written(app) == written
