"""HTTP caching: strong ETags, 304s, Cache-Control, Last-Modified, CORS and slug redirects."""

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from service.domain.content import MECHANISM
from service.domain.db import db
from service.domain.editing import create_item, update_item
from service.domain.models import Indication, Therapy

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
    assert response.headers["Cache-Control"] == "public, max-age=60"
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


def test_list_etags_follow_the_query_and_every_write(app, client):
    first = client.get("/api/v1/therapies").headers["ETag"]
    assert client.get("/api/v1/therapies?page=1&page_size=20").headers["ETag"] == first
    assert client.get("/api/v1/therapies?page_size=5").headers["ETag"] != first
    edit(app, Indication, "melanoma", summary="Changed.")
    changed = client.get("/api/v1/therapies", headers={"If-None-Match": first})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first


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


def test_cors_is_open_for_reads_and_exposes_the_paging_and_validator_headers(client):
    response = client.get("/api/v1/therapies", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "link", "x-pagination"} <= exposed
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
