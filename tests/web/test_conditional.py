"""HTTP caching: strong ETags, 304s, Cache-Control, Last-Modified, CORS and slug redirects."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from service.domain import public_items
from service.domain.content import MECHANISM
from service.domain.db import db
from service.domain.editing import create_item, update_item
from service.domain.generation import bump_generation
from service.domain.models import ContentItem, Faq, Indication, Therapy
from tests.apps import app_on
from tests.conftest import token_headers
from tests.workflow import preview_etag

READS = [
    "/api/v1",
    "/api/v1/therapies",
    "/api/v1/therapies/checkpoint-inhibitors",
    "/api/v1/mechanisms?therapy=checkpoint-inhibitors",
    "/api/v1/indications/melanoma",
    "/api/v1/faqs?page=2&page_size=5",
    "/api/v1/sources",
    "/api/v1/sources/immunotherapy-use",
    "/api/v1/search?q=PD-1",
    "/api/v1/changes",
]
# A minute in a browser; a second in a shared cache (the edge, a CDN), then stale only within bounds.
PUBLIC = "public, max-age=60, s-maxage=1, stale-while-revalidate=30, stale-if-error=300"
THERAPY_URL = "/api/v1/therapies/checkpoint-inhibitors"


def edit(app, model, current_slug, **changes):
    with app.app_context():
        item = db.session.scalar(sa.select(model).filter_by(slug=current_slug))
        update_item(item, changes, author="editor")


@pytest.mark.parametrize("url", READS)
def test_every_get_has_a_strong_etag_and_answers_304_when_unchanged(client, url):
    response = client.get(url)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.headers["Cache-Control"] == PUBLIC
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_checks_are_never_kept_by_a_cache(client, url):
    response = client.get(url)
    assert response.status_code == 200
    # How the service is now: a cache in front must not answer "ready" for a service that is not.
    assert response.headers["Cache-Control"] == "no-store"


def test_reads_with_a_token_are_private(client, editor):
    response = client.get("/api/v1/therapies", headers=editor)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in response.headers["Vary"]


def test_an_anonymous_404_may_be_kept_as_long_as_any_anonymous_read(app, client, editor):
    # A shared cache that holds a copy of the item cannot be told to drop it: the 404 it fetches
    # when its copy expires takes the copy's place, so that no error of the service brings it back.
    etag = preview_etag(client, THERAPY_URL, editor)
    assert client.delete(THERAPY_URL, headers=editor | {"If-Match": etag}).status_code == 200
    withdrawn = client.get(THERAPY_URL)
    assert withdrawn.status_code == 404
    assert withdrawn.headers["Cache-Control"] == PUBLIC
    assert "Authorization" in withdrawn.headers["Vary"]
    assert client.get("/api/v1/no-such-collection").headers["Cache-Control"] == PUBLIC
    # With a token, a 404 is the reader's own, like every read of theirs.
    missing = client.get("/api/v1/therapies/no-such-therapy", headers=editor)
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "private, no-store"
    # Refusals are not kept: they depend on the request, not on the content.
    assert "Cache-Control" not in client.get("/api/v1/therapies?page=0").headers


def test_what_shared_caches_may_do_follows_the_settings(backend):
    url = backend.databases.copy(backend.template_url)
    with app_on(url, shared_max_age=5, stale_while_revalidate=0, stale_if_error=60) as app:
        response = app.test_client().get(THERAPY_URL)
    backend.databases.drop(url)
    # A bound of 0 leaves its directive out: no stale copy at all.
    assert response.headers["Cache-Control"] == "public, max-age=60, s-maxage=5, stale-if-error=60"


def test_list_etags_follow_the_query_and_every_change_the_list_shows(app, client):
    first = client.get("/api/v1/therapies").headers["ETag"]
    assert client.get("/api/v1/therapies?page=1&page_size=20").headers["ETag"] == first
    assert client.get("/api/v1/therapies?page_size=5").headers["ETag"] != first
    # Therapies show their indications' names, not their summaries.
    edit(app, Indication, "melanoma", summary="Changed.")
    assert client.get("/api/v1/therapies", headers={"If-None-Match": first}).status_code == 304
    edit(app, Indication, "melanoma", name="Melanoma (skin cancer)", alternate_names=["melanoma"])
    renamed = client.get("/api/v1/therapies", headers={"If-None-Match": first})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != first
    edit(app, Therapy, "cytokines", summary="Changed.")
    changed = client.get("/api/v1/therapies", headers={"If-None-Match": renamed.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != renamed.headers["ETag"]


def test_an_item_etag_changes_with_the_item_and_with_what_it_links_to(app, client):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    first = client.get(url)
    # The quotes that back its links name it "melanoma": renamed, it keeps that name as another.
    edit(app, Indication, "melanoma", name="Melanoma (skin cancer)", alternate_names=["melanoma"])
    renamed_link = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert renamed_link.status_code == 200
    assert "Melanoma (skin cancer)" in [link["name"] for link in renamed_link.json["indications"]]
    edit(app, Therapy, "checkpoint-inhibitors", summary="Changed.")
    changed = client.get(url, headers={"If-None-Match": renamed_link.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["version"] == 2
    # Another item's change leaves this one's validator alone.
    edit(app, Therapy, "cytokines", summary="Changed too.")
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_items_carry_last_modified_from_themselves_and_what_they_link_to(app, client):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(url)
    therapy = before.json
    shown = [
        therapy["href"],
        *(link["href"] for name in ("mechanisms", "indications", "faqs") for link in therapy[name]),
    ]
    shown += [citation["href"] for citation in therapy["sources"]]
    newest = max(datetime.fromisoformat(client.get(href).json["updated_at"]) for href in shown)
    assert before.last_modified == newest.replace(microsecond=0)
    edit(app, Indication, "melanoma", name="Melanoma of the skin", alternate_names=["melanoma"])
    melanoma = client.get("/api/v1/indications/melanoma").json
    after = client.get(url)
    assert after.last_modified == datetime.fromisoformat(melanoma["updated_at"]).replace(microsecond=0)
    assert after.last_modified >= before.last_modified


LONG_AGO = datetime(2026, 1, 5, 12, 0, 0, 250000, tzinfo=UTC)


def written_long_ago(app) -> str:
    """Every item as if last written at LONG_AGO, so that a change made now is seconds later: the
    Last-Modified a read then answers, as it is sent (to the second)."""
    with app.app_context():
        bump_generation(db.session)  # as a write does: no cached response outlives it
        db.session.execute(sa.update(ContentItem).values(created_at=LONG_AGO, updated_at=LONG_AGO))
        published = sa.update(ContentItem).where(ContentItem.published_at.is_not(None))
        db.session.execute(published.values(published_at=LONG_AGO))
        # Changed below the editing path: the stored public JSON is rendered again, as it shows them.
        public_items.render_all(db.session)
        db.session.commit()
    return "Mon, 05 Jan 2026 12:00:00 GMT"


def _faq_slugs(therapy: dict) -> list[str]:
    return [faq["slug"] for faq in therapy["faqs"]]


@pytest.mark.parametrize("fixture", ["app", "uncached_app"])
def test_if_modified_since_answers_304_to_the_second_unless_if_none_match_is_sent(backend, request, fixture):
    app = request.getfixturevalue(fixture)
    client = app.test_client()
    last_modified = written_long_ago(app)
    first = client.get(THERAPY_URL)
    assert first.headers["Last-Modified"] == last_modified

    def status(**headers: str) -> int:
        return client.get(THERAPY_URL, headers=headers).status_code

    unchanged = client.get(THERAPY_URL, headers={"If-Modified-Since": last_modified})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    # The date in either obsolete form, or a later one.
    for same in (
        "Monday, 05-Jan-26 12:00:00 GMT",
        "Mon Jan  5 12:00:00 2026",
        "Tue, 06 Jan 2026 00:00:00 GMT",
    ):
        assert status(**{"If-Modified-Since": same}) == 304
    assert status(**{"If-Modified-Since": "Mon, 05 Jan 2026 11:59:59 GMT"}) == 200
    # Not an HTTP-date: ignored.
    for ignored in (
        "yesterday",
        f"{last_modified}, {last_modified}",
        "Mon, 05 Jan 2026 14:00:00 +0200",
        "Mon, 32 Jan 2026 12:00:00 GMT",
    ):
        assert status(**{"If-Modified-Since": ignored}) == 200
    # If-None-Match, when sent, decides alone.
    assert status(**{"If-Modified-Since": last_modified, "If-None-Match": '"another"'}) == 200
    early = "Mon, 05 Jan 2026 11:59:59 GMT"
    assert status(**{"If-Modified-Since": early, "If-None-Match": first.headers["ETag"]}) == 304
    # An editor's read (never cached) answers it too.
    editor = token_headers(app, "editor-ims", "editor")
    assert status(**editor, **{"If-Modified-Since": last_modified}) == 304
    assert status(**editor, **{"If-Modified-Since": early}) == 200


def test_lists_send_no_last_modified_and_ignore_if_modified_since(client):
    listed = client.get("/api/v1/therapies")
    assert listed.status_code == 200 and "Last-Modified" not in listed.headers
    later = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    assert client.get("/api/v1/therapies", headers=later).status_code == 200


def test_last_modified_moves_on_when_a_link_is_removed_at_its_other_end(app, client, editor):
    since = {"If-Modified-Since": written_long_ago(app)}
    assert client.get(THERAPY_URL, headers=since).status_code == 304
    # A change waiting for review is not public: what readers see has not changed.
    etag = preview_etag(client, THERAPY_URL, editor)
    waiting = client.patch(THERAPY_URL, json={"summary": "Waiting."}, headers=editor | {"If-Match": etag})
    assert waiting.status_code == 200
    assert client.get(THERAPY_URL, headers=since).status_code == 304
    edit(app, Faq, "what-are-checkpoint-inhibitors", therapies=[])
    changed = client.get(THERAPY_URL, headers=since)
    assert changed.status_code == 200 and "what-are-checkpoint-inhibitors" not in _faq_slugs(changed.json)
    assert changed.last_modified > LONG_AGO


def test_last_modified_moves_on_when_a_linked_or_citing_item_is_withdrawn(app, client):
    source_url = "/api/v1/sources/immunotherapy-use"
    since = {"If-Modified-Since": written_long_ago(app)}
    cited_by = client.get(source_url).json["cited_by"]
    assert client.get(THERAPY_URL, headers=since).status_code == 304
    assert client.get(source_url, headers=since).status_code == 304
    edit(app, Faq, "what-are-checkpoint-inhibitors", status="archived")
    therapy = client.get(THERAPY_URL, headers=since)
    assert therapy.status_code == 200 and "what-are-checkpoint-inhibitors" not in _faq_slugs(therapy.json)
    source = client.get(source_url, headers=since)
    assert source.status_code == 200 and source.json["cited_by"] < cited_by


def test_cors_is_open_for_reads_and_exposes_the_paging_and_validator_headers(client):
    response = client.get("/api/v1/therapies", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "link", "x-pagination", "last-modified", "x-request-id", "www-authenticate"} <= exposed
    assert response.headers["X-Request-ID"]
    refused = client.get(
        "/api/v1/auth/whoami", headers={"Origin": "https://app.example", "Authorization": "Bearer wrong"}
    )
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "www-authenticate" in refused.headers["Access-Control-Expose-Headers"].lower()
    preflight = client.options(
        "/api/v1/therapies",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_link_header_pages_through_the_list(client):
    response = client.get("/api/v1/faqs?page=2&page_size=5&topic=basics")
    links = {
        part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
        for part in response.headers["Link"].split(", ")
    }
    pagination = json.loads(response.headers["X-Pagination"])
    assert links["first"] == "/api/v1/faqs?topic=basics&page=1&page_size=5"
    assert links["prev"] == "/api/v1/faqs?topic=basics&page=1&page_size=5"
    assert links["last"] == f"/api/v1/faqs?topic=basics&page={pagination['last_page']}&page_size=5"
    assert ("next" in links) == (pagination["next_page"] is not None)
    assert client.get(links["first"]).status_code == 200


def test_an_old_slug_answers_301_to_the_current_one(app, client):
    edit(app, Therapy, "cytokines", slug="cytokine-therapy")
    response = client.get("/api/v1/therapies/cytokines")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/api/v1/therapies/cytokine-therapy")
    assert client.get(response.headers["Location"]).json["slug"] == "cytokine-therapy"
    assert client.get("/api/v1/indications/cytokines").status_code == 404


def test_a_published_item_keeps_its_validators_while_a_linked_draft_changes(app, client):
    therapy_url = "/api/v1/therapies/checkpoint-inhibitors"
    before = client.get(therapy_url)
    with app.app_context():
        draft = create_item(
            MECHANISM,
            {"name": "A draft mechanism", "summary": "Not public.", "therapies": ["checkpoint-inhibitors"]},
            author="editor",
        )
        update_item(draft, {"summary": "Still not public."}, author="editor")
    after = client.get(therapy_url)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.headers["Last-Modified"] == before.headers["Last-Modified"]
    assert client.get(therapy_url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304


def test_a_redirect_names_the_path_alone_whatever_script_name_says(app, client):
    edit(app, Therapy, "cytokines", slug="cytokine-therapy")
    response = client.get("/api/v1/therapies/cytokines", environ_overrides={"SCRIPT_NAME": "//evil.example"})
    assert response.status_code == 301
    assert response.headers["Location"] == "/api/v1/therapies/cytokine-therapy"


def test_readiness_writes_at_most_once_every_few_seconds(app, client):
    writes = []

    def count_probe(_connection, _cursor, statement, *_args):
        if statement.startswith("UPDATE readiness_checks"):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count_probe)
    try:
        for _ in range(5):
            assert client.get("/readyz").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_probe)
    # Many checkers probing often cost one real write per process.
    assert len(writes) == 1
