"""Editors manage sources: create, change metadata with If-Match, revisions, redirects, archiving;
a source's text never changes, and a cited source stays published."""

import hashlib

from service.domain.seeding import load_seed
from service.web.schemas import CREATE_SCHEMAS
from tests.domain.test_seeding import SEED_DIR
from tests.web.routes.test_content_writes import create, patch
from tests.workflow import approve, preview_etag

TEXT = (
    "Tumour-infiltrating lymphocyte therapy grows a patient's own immune cells in the laboratory.\n\n"
    "Après la culture, les cellules sont rendues au patient en grand nombre."
)
NEW_SOURCE = {
    "title": "A report on TIL therapy",
    "text": TEXT,
    "url": "https://example.org/til",
    "publisher": "Example Institute",
    "published_on": "2026-03-01",
}
QUOTE = "grows a patient's own immune cells in the laboratory"
CITED_URL = "/api/v1/sources/immunotherapy-use"


def create_source(client, headers, body=None, **extra):
    return create(client, headers, "sources", body or NEW_SOURCE, **extra)


def publish_source(client, editor, reviewer, body=None):
    """A new source, published through review: the approval's response."""
    created = create_source(client, editor, body)
    assert client.get(created.headers["Location"]).status_code == 404
    return approve(client, created.headers["Location"], editor, reviewer, created.headers["ETag"])


def test_create_answers_201_with_location_etag_and_the_checksum_of_the_text_sent(client, editor):
    response = create_source(client, editor)
    assert response.headers["Location"] == "/api/v1/sources/a-report-on-til-therapy"
    assert response.headers["ETag"].startswith('"')
    source = response.json
    assert source["text"] == TEXT
    assert source["checksum"] == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    assert (source["status"], source["version"], source["cited_by"]) == ("draft", 1, 0)
    assert (source["published_on"], source["retrieved_on"], source["author"]) == ("2026-03-01", None, None)
    assert "sources" not in source
    assert client.get(response.headers["Location"], headers=editor).json == source
    assert client.get(response.headers["Location"]).status_code == 404
    assert source["slug"] not in [s["slug"] for s in client.get("/api/v1/sources?page_size=100").json]
    drafts = client.get("/api/v1/sources?status=draft", headers=editor).json
    assert [draft["slug"] for draft in drafts] == [source["slug"]]


def test_a_published_source_is_read_by_everyone(client, editor, reviewer):
    url = publish_source(client, editor, reviewer).json["href"]
    assert client.get(url).json["status"] == "published"
    assert url.rsplit("/", 1)[1] in [s["slug"] for s in client.get("/api/v1/sources?page_size=100").json]


def test_a_taken_slug_is_a_409_and_a_shared_title_is_fine(client, editor):
    taken = client.post("/api/v1/sources", json=NEW_SOURCE | {"slug": "immunotherapy-use"}, headers=editor)
    assert taken.status_code == 409 and taken.content_type == "application/problem+json"
    title = client.get(CITED_URL).json["title"]
    # A new edition may keep the title; it is a source of its own.
    assert create_source(client, editor, NEW_SOURCE | {"title": title, "slug": "second-edition"})


def test_invalid_sources_are_422_field_by_field(client, editor):
    response = client.post(
        "/api/v1/sources",
        json={
            "url": "not a url",
            "published_on": "2026-13-40",
            "retrieved_on": "yesterday",
            "checksum": "0" * 64,
            "sources": [],
        },
        headers=editor,
    )
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert errors["title"] == errors["text"] == ["Missing data for required field."]
    assert {"url", "published_on", "retrieved_on", "checksum", "sources"} <= set(errors)
    too_long = client.post("/api/v1/sources", json=NEW_SOURCE | {"text": "x" * 500_001}, headers=editor)
    assert too_long.status_code == 422 and "text" in too_long.json["errors"]["json"]


def test_patch_changes_metadata_with_if_match(client, editor):
    url = create_source(client, editor).headers["Location"]
    missing = client.patch(url, json={"author": "A. Author"}, headers=editor)
    assert missing.status_code == 428
    etag = client.get(url, headers=editor).headers["ETag"]
    changed = patch(client, editor, url, {"author": "A. Author", "published_on": None}, etag)
    assert changed.status_code == 200
    assert (changed.json["author"], changed.json["published_on"], changed.json["version"]) == (
        "A. Author",
        None,
        2,
    )
    assert changed.json["text"] == TEXT
    assert patch(client, editor, url, {"author": "Someone else"}, etag).status_code == 412


def test_a_source_text_never_changes(client, editor):
    url = create_source(client, editor).headers["Location"]
    for changes in ({"text": "Another text altogether."}, {"checksum": "0" * 64, "title": "T"}):
        response = patch(client, editor, url, changes)
        assert response.status_code == 422
        errors = response.json["errors"]["json"]
        (field,) = set(changes) - {"title"}
        assert "never changes" in errors[field][0] and "new source" in errors[field][0]
    etag = client.get(url, headers=editor).headers["ETag"]
    assert client.put(url, json=NEW_SOURCE, headers=editor | {"If-Match": etag}).status_code == 405
    assert client.get(url, headers=editor).json["version"] == 1


def test_every_change_writes_a_revision_and_an_old_version_can_be_restored(client, editor):
    url = create_source(client, editor).headers["Location"]
    patch(client, editor | {"X-Change-Note": "Dated."}, url, {"published_on": "2025-12-31"})
    patch(client, editor, url, {"title": "A retitled report", "change_note": "Clearer."})
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert [(r["version"], r["author"], r["note"]) for r in revisions] == [
        (3, "editor-ann", "Clearer."),
        (2, "editor-ann", "Dated."),
        (1, "editor-ann", None),
    ]
    second = client.get(f"{url}/revisions/2", headers=editor).json["snapshot"]
    assert second["published_on"] == "2025-12-31" and "text" not in second and "sources" not in second
    etag = client.get(url, headers=editor).headers["ETag"]
    restored = client.post(f"{url}/revisions/2/restore", headers=editor | {"If-Match": etag})
    assert restored.status_code == 200
    assert (restored.json["title"], restored.json["published_on"], restored.json["version"]) == (
        NEW_SOURCE["title"],
        "2025-12-31",
        4,
    )
    assert client.get(f"{url}/revisions", headers=editor).json[0]["action"] == "restored"


def test_a_renamed_source_redirects_and_its_citations_follow(client, editor, reviewer):
    renamed = patch(client, editor, CITED_URL, {"slug": "immunotherapy-use-report"})
    assert renamed.status_code == 200 and renamed.json["slug"] == "immunotherapy-use-report"
    # Waiting for review: the public still reads the source, and the citations, by the old slug.
    assert client.get(CITED_URL).json["slug"] == "immunotherapy-use"
    assert client.get("/api/v1/sources/immunotherapy-use-report").status_code == 404
    therapy = client.get("/api/v1/therapies/checkpoint-inhibitors").json
    assert "immunotherapy-use" in [citation["source"] for citation in therapy["sources"]]
    approve(client, CITED_URL, editor, reviewer)
    old = client.get(CITED_URL)
    assert old.status_code == 301 and old.headers["Location"] == "/api/v1/sources/immunotherapy-use-report"
    therapy = client.get("/api/v1/therapies/checkpoint-inhibitors").json
    assert "immunotherapy-use-report" in [citation["source"] for citation in therapy["sources"]]


def test_an_uncited_source_is_archived_and_leaves_public_reads(client, editor, reviewer):
    url = publish_source(client, editor, reviewer).json["href"]
    etag = client.get(url).headers["ETag"]
    assert client.delete(url, headers=editor).status_code == 428
    archived = client.delete(url, headers=editor | {"If-Match": etag})
    assert archived.status_code == 200 and archived.json["status"] == "archived"
    assert client.get(url).status_code == 404
    assert url.rsplit("/", 1)[1] not in [s["slug"] for s in client.get("/api/v1/sources?page_size=100").json]
    assert client.get(url, headers=editor).json["status"] == "archived"


def test_a_cited_source_stays_published_and_the_409_names_its_citers(client, editor):
    before = client.get(CITED_URL, headers=editor)
    refused = client.delete(CITED_URL, headers=editor | {"If-Match": before.headers["ETag"]})
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert "therapy 'checkpoint-inhibitors'" in refused.json["detail"]
    assert patch(client, editor, CITED_URL, {"status": "archived"}).status_code == 409
    assert client.get(CITED_URL, headers=editor).json == before.json
    # A change to draft only waits beside the published source, which stays as it was.
    pending = patch(client, editor, CITED_URL, {"status": "draft"})
    assert pending.status_code == 200 and pending.json["status"] == "draft"
    assert client.get(CITED_URL, headers=editor).json == before.json
    assert client.get(CITED_URL).json["status"] == "published"


def test_a_new_published_source_backs_a_new_citation_and_only_its_own_text(client, editor, reviewer):
    slug = publish_source(client, editor, reviewer).json["slug"]
    url = "/api/v1/therapies/cytokines"
    sources = client.get(url).json["sources"]
    cited = patch(client, editor, url, {"sources": [*sources, {"source": slug, "quote": QUOTE}]})
    assert cited.status_code == 200
    last = cited.json["sources"][-1]
    assert (last["source"], last["quote"], last["href"]) == (slug, QUOTE, f"/api/v1/sources/{slug}")
    # The citation waits for review: no published item cites the source yet.
    assert client.get(f"/api/v1/sources/{slug}").json["cited_by"] == 0
    assert client.get(url).json["sources"] == sources
    approve(client, url, editor, reviewer)
    assert client.get(url).json["sources"][-1]["source"] == slug
    assert client.get(f"/api/v1/sources/{slug}").json["cited_by"] == 1
    wrong = patch(
        client, editor, url, {"sources": [{"source": slug, "quote": "not a passage of this report"}]}
    )
    assert wrong.status_code == 422 and "quote" in wrong.json["errors"]["json"]["sources"]["0"]


def test_a_draft_source_backs_no_citation(client, editor):
    slug = create_source(client, editor).json["slug"]
    response = patch(
        client, editor, "/api/v1/faqs/what-is-immunotherapy", {"sources": [{"source": slug, "quote": QUOTE}]}
    )
    assert response.status_code == 422
    assert "published source" in response.json["errors"]["json"]["sources"]["0"]["source"][0]


def test_a_source_etag_changes_with_its_citers_and_stays_a_good_if_match(client, editor, reviewer):
    slug = publish_source(client, editor, reviewer).json["slug"]
    url = f"/api/v1/sources/{slug}"
    public_etag = client.get(url).headers["ETag"]
    faq = "/api/v1/faqs/what-is-immunotherapy"
    sources = [*client.get(faq).json["sources"], {"source": slug, "quote": QUOTE}]
    assert patch(client, editor, faq, {"sources": sources}).status_code == 200
    # A citation waiting for review changes nothing the public sees of the source.
    assert client.get(url, headers={"If-None-Match": public_etag}).status_code == 304
    approve(client, faq, editor, reviewer)
    again = client.get(url, headers={"If-None-Match": public_etag})
    assert again.status_code == 200 and again.json["cited_by"] == 1
    for headers in ({}, editor):
        # With no change waiting, the public ETag and an editor's are good If-Match.
        etag = client.get(url, headers=headers).headers["ETag"]
        written = patch(client, editor, url, {"publisher": f"Publisher {len(headers)}"}, etag)
        assert written.status_code == 200 and written.json["status"] == "draft"
        assert preview_etag(client, url, editor) == written.headers["ETag"]
        # A change waits: only the latest version's ETag is a good If-Match now.
        assert patch(client, editor, url, {"author": "Someone"}, etag).status_code == 412
        published = approve(client, url, editor, reviewer, written.headers["ETag"])
        assert client.get(url).json["publisher"] == f"Publisher {len(headers)}"
        assert client.get(url, headers=editor).headers["ETag"] != etag
        assert preview_etag(client, url, editor) == published.headers["ETag"]


def test_source_changes_are_in_the_feed(client, editor, reviewer):
    cursor = client.get("/api/v1/changes").json["next_cursor"]
    url = publish_source(client, editor, reviewer).json["href"]
    patch(client, editor, url, {"author": "A. Author"})
    # A change waiting for review is not in the feed.
    changes = client.get(f"/api/v1/changes?since={cursor}").json["changes"]
    assert [(c["slug"], c["version"], c["action"]) for c in changes] == [
        ("a-report-on-til-therapy", 3, "published")
    ]
    approve(client, url, editor, reviewer)
    changes = client.get(f"/api/v1/changes?since={cursor}").json["changes"]
    assert [(c["type"], c["slug"], c["version"], c["action"], c["href"]) for c in changes] == [
        ("source", "a-report-on-til-therapy", 3, "published", url),
        ("source", "a-report-on-til-therapy", 6, "published", url),
    ]


def test_sources_are_not_searched(client, editor, reviewer):
    publish_source(client, editor, reviewer)
    hits = client.get("/api/v1/search?q=lymphocyte&page_size=100").json
    assert {hit["type"] for hit in hits} <= {"therapy", "mechanism", "indication", "faq"}
    assert client.get("/api/v1/search?q=laboratory&type=source").status_code == 422


def test_a_renamed_source_keeps_restores_the_seed_and_flask_check_working(app, client, editor, reviewer):
    url = "/api/v1/sources/immunotherapy-use"
    renamed = patch(client, editor, url, {"slug": "immunotherapy-use-renamed"})
    assert renamed.status_code == 200, renamed.json
    approve(client, url, editor, reviewer, renamed.headers["ETag"])
    therapy = "/api/v1/therapies/checkpoint-inhibitors"
    assert patch(client, editor, therapy, {"summary": "Changed."}).status_code == 200
    restored = client.post(
        f"{therapy}/revisions/1/restore", headers=editor | {"If-Match": preview_etag(client, therapy, editor)}
    )
    assert restored.status_code == 200, restored.json
    with app.app_context():
        report = load_seed(SEED_DIR, CREATE_SCHEMAS)
    assert "source immunotherapy-use" in report.kept and not any("source" in name for name in report.created)
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
