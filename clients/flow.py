"""A reader's and an editor's flow through the Python client generated from the live spec.

The client (`content_client`) is made by openapi-python-client, its functions named by the spec's
operationIds; `mypy --strict` checks this module against it. CONTENT_API_URL is the server,
CONTENT_API_TOKEN an editor's token. Each check raises: any failure exits non-zero with what went
wrong. tests/clients/test_generated_clients.py generates the client and runs this; the same flow in
TypeScript is flow.ts.
"""

import json
import os
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import TypeVar
from urllib.parse import parse_qs, urljoin, urlsplit

from content_client import AuthenticatedClient, Client
from content_client.api.search import search_content
from content_client.api.therapies import get_therapy, list_therapies, list_therapy_revisions, update_therapy
from content_client.models import (
    ContentStatus,
    Hit,
    PaginationMetadata,
    Problem,
    Revision,
    Therapy,
    TherapyUpdate,
)
from content_client.types import Response

T = TypeVar("T")

COLLECTIONS = {"therapy": "therapies", "mechanism": "mechanisms", "indication": "indications", "faq": "faqs"}
LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]*)"')


class FlowFailed(Exception):
    """A check of the flow that did not hold."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise FlowFailed(what)


def expect_equal(actual: object, expected: object, what: str) -> None:
    if actual != expected:
        raise FlowFailed(f"{what}: expected {expected!r}, got {actual!r}")


def given(value: T | None, what: str) -> T:
    """The value, which the flow needs: not missing."""
    if value is None:
        raise FlowFailed(f"{what} is missing")
    return value


def answered(response: Response[T], status: HTTPStatus, what: str) -> None:
    expect_equal(response.status_code, status, f"{what}: status ({response.content[:300]!r})")


def page_of(response: Response[T], what: str) -> list[Therapy]:
    answered(response, HTTPStatus.OK, what)
    parsed = response.parsed
    expect(isinstance(parsed, list), f"{what}: a list")
    assert isinstance(parsed, list)
    items = [item for item in parsed if isinstance(item, Therapy)]
    expect_equal(len(items), len(parsed), f"{what}: therapies only")
    return items


def therapy_of(response: Response[T], what: str) -> Therapy:
    answered(response, HTTPStatus.OK, what)
    expect(isinstance(response.parsed, Therapy), f"{what}: a therapy")
    assert isinstance(response.parsed, Therapy)
    return response.parsed


def pagination(headers: Mapping[str, str]) -> PaginationMetadata:
    """The X-Pagination header: JSON, in the shape of the spec's PaginationMetadata."""
    return PaginationMetadata.from_dict(json.loads(given(headers.get("X-Pagination"), "X-Pagination")))


def link_to(base_url: str, headers: Mapping[str, str], rel: str) -> str:
    """The URL of one relation of an RFC 8288 Link header, resolved against the server."""
    header = given(headers.get("Link"), "Link")
    for link in LINK.finditer(header):
        if link[2] == rel:
            return urljoin(base_url, str(link[1]))
    raise FlowFailed(f'Link has no rel="{rel}": {header}')


def check_therapy(item: Therapy) -> None:
    expect_equal(item.href, f"/api/v1/therapies/{item.slug}", f"href of {item.slug}")
    expect(bool(item.name), f"{item.slug} has a name")
    expect(item.version >= 1, f"{item.slug} has a version")
    # An open enum is one named type (ContentStatus), whichever schema holds it; a value it does not
    # know yet would be a str.
    expect_equal(item.status, ContentStatus.PUBLISHED, f"{item.slug}'s status, as a reader sees it")


def check_hit(hit: Hit) -> None:
    # An open list: a type this flow does not know (str) as well as one the spec names (an enum).
    collection = COLLECTIONS[str(hit.type_)]
    expect_equal(hit.href, f"/api/v1/{collection}/{hit.slug}", "a hit's href")
    expect(bool(hit.name), "a hit has a name")
    expect(isinstance(hit.snippet, str), "a hit has a snippet")
    expect(isinstance(hit.highlights, list), "a hit has highlights")


def run(base_url: str, token: str) -> str:
    reader = Client(base_url=base_url)
    editor = AuthenticatedClient(base_url=base_url, token=token)

    # 1. A list screen: page 1, then page 2 through the Link header's `next`.
    first = list_therapies.sync_detailed(client=reader, page=1, page_size=2)
    first_page = page_of(first, "GET /therapies?page=1")
    expect_equal(len(first_page), 2, "items on page 1")
    for item in first_page:
        check_therapy(item)
    paging = pagination(first.headers)
    expect_equal((paging.page, paging.previous_page, paging.next_page), (1, None, 2), "X-Pagination")
    expect(paging.total_pages >= 3, f"several pages: {paging}")

    next_url = urlsplit(link_to(base_url, first.headers, "next"))
    expect_equal(next_url.path, "/api/v1/therapies", "Link next's path")
    query = {name: int(values[0]) for name, values in parse_qs(next_url.query).items()}
    second = list_therapies.sync_detailed(client=reader, page=query["page"], page_size=query["page_size"])
    second_page = page_of(second, "GET Link next")
    expect_equal(len(second_page), 2, "items on page 2")
    for item in second_page:
        check_therapy(item)
    paging = pagination(second.headers)
    expect_equal((paging.page, paging.previous_page), (2, 1), "X-Pagination after following next")
    first_slugs = {item.slug for item in first_page}
    expect(not any(item.slug in first_slugs for item in second_page), "page 2 repeats nothing of page 1")

    # 2. A detail screen: one item by its slug, with its ETag.
    slug = first_page[0].slug
    detail = get_therapy.sync_detailed(slug, client=reader)
    item = therapy_of(detail, f"GET /therapies/{slug}")
    check_therapy(item)
    expect_equal((item.slug, item.name), (slug, first_page[0].name), "the item, as listed")
    expect(bool(item.sources), "the item cites its sources")
    expect(given(detail.headers.get("ETag"), "ETag").startswith('"'), "a strong ETag")

    # 3. A search box.
    search = search_content.sync_detailed(client=reader, q="pembrolizumab")
    answered(search, HTTPStatus.OK, "GET /search?q=pembrolizumab")
    hits = search.parsed
    expect(isinstance(hits, list) and len(hits) > 0, "pembrolizumab finds something")
    assert isinstance(hits, list)
    for hit in hits:
        expect(isinstance(hit, Hit), "a hit")
        check_hit(hit)

    # 4. An edit: read the latest version's ETag, PATCH with If-Match, then a stale If-Match is a 412.
    latest = get_therapy.sync_detailed(slug, client=editor, preview=True)
    current = therapy_of(latest, "GET ?preview=true as an editor")
    etag = given(latest.headers.get("ETag"), "ETag of the latest version")
    version = current.version
    summary = f"{current.summary} Changed by the generated Python client."

    change = TherapyUpdate(summary=summary)
    note = "Python client flow"
    patched = update_therapy.sync_detailed(
        slug, client=editor, body=change, if_match=etag, x_change_note=note
    )
    changed = therapy_of(patched, f"PATCH /therapies/{slug} with If-Match")
    expect_equal((changed.summary, changed.version), (summary, version + 1), "the change and its version")
    new_etag = given(patched.headers.get("ETag"), "ETag of the new version")
    expect(new_etag != etag, "the ETag changes with the version")

    history = list_therapy_revisions.sync_detailed(slug, client=editor)
    answered(history, HTTPStatus.OK, "GET the revisions")
    revisions = history.parsed
    expect(isinstance(revisions, list) and len(revisions) > 0, "revisions")
    assert isinstance(revisions, list)
    newest = revisions[0]
    expect(isinstance(newest, Revision), "a revision")
    expect_equal((newest.version, newest.note), (version + 1, note), "the newest revision and its note")
    expect(
        isinstance(newest.status, ContentStatus), f"a revision's status is a ContentStatus: {newest.status!r}"
    )

    preview = get_therapy.sync_detailed(slug, client=editor, preview=True)
    expect_equal(therapy_of(preview, "GET the change back").summary, summary, "the change, read back")
    expect_equal(preview.headers.get("ETag"), new_etag, "the ETag, read back")

    stale = update_therapy.sync_detailed(
        slug,
        client=editor,
        body=TherapyUpdate(summary="A change made on a version someone else has already changed."),
        if_match=etag,
    )
    answered(stale, HTTPStatus.PRECONDITION_FAILED, "PATCH with a stale If-Match")
    expect(isinstance(stale.parsed, Problem), "a 412 carries problem details")
    assert isinstance(stale.parsed, Problem)
    expect_equal(stale.parsed.status, 412, "the problem's status")
    content_type = given(stale.headers.get("Content-Type"), "Content-Type")
    expect(content_type.startswith("application/problem+json"), "a 412 is problem+json")
    unchanged = get_therapy.sync_detailed(slug, client=editor, preview=True)
    expect_equal(therapy_of(unchanged, "GET after the stale write").summary, summary, "nothing changed")

    return f"python client flow: ok ({slug}, version {version} -> {version + 1})"


if __name__ == "__main__":
    print(run(os.environ["CONTENT_API_URL"], os.environ["CONTENT_API_TOKEN"]))
