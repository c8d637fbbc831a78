"""Routes of the content types and of the sources they cite, made once from their descriptions in
service.domain.content.

Views parse (schemas), call one function of the editing path or of the queries, and return.
"""

import json
from collections.abc import Sequence

from flask import redirect, request
from flask.views import MethodView
from flask_smorest import abort

from service.domain import queries
from service.domain.content import ContentKind
from service.domain.editing import archive_item, create_item, replace_item, restore_revision, update_item
from service.domain.models import ContentItem
from service.web.auth import current_token, require_role
from service.web.blueprint import Blueprint
from service.web.conditional import (
    ItemState,
    check_if_match,
    current_generation,
    list_etag,
    not_modified,
    reader_scope,
    validator_headers,
)
from service.web.health_representation import (
    ETAG_SUFFIXES,
    JSON,
    JSON_LD_RESPONSE,
    VARY_ACCEPT,
    negotiate,
    represented,
)
from service.web.openapi import (
    CREATED_HEADERS,
    ITEM_HEADERS,
    VALIDATOR_HEADERS,
    described,
    documented,
)
from service.web.paging import PageArgsSchema, paged, pagination_headers
from service.web.paths import collection_href, item_href
from service.web.schemas import (
    CREATE_SCHEMAS,
    MAX_CHANGE_NOTE,
    QUERY_SCHEMAS,
    READ_SCHEMAS,
    UPDATE_SCHEMAS,
    RevisionDetailSchema,
    RevisionSchema,
)

DESCRIPTIONS = {
    "therapy": "Kinds of immunotherapy (checkpoint inhibitors, CAR T-cell therapy, ...).",
    "mechanism": "How therapies act on the immune system.",
    "indication": "Diseases and conditions immunotherapy is used or studied for.",
    "faq": "Questions and their answers.",
    "source": "The source documents, with the text that every quote is checked against.",
}


def list_statuses(requested: str | None) -> Sequence[str]:
    """Published only, unless an editor asks for drafts, archived items or any status."""
    if requested in (None, "published"):
        return queries.PUBLIC
    if current_token() is None:
        abort(401, message="Only editors may list drafts and archived items; send a token.")
    return queries.ALL_STATUSES if requested == "any" else (requested,)


def change_note(data: dict) -> str | None:
    note = data.pop("change_note", None) or request.headers.get("X-Change-Note")
    if note is not None and len(note) > MAX_CHANGE_NOTE:
        abort(422, errors={"headers": {"X-Change-Note": [f"Longer than {MAX_CHANGE_NOTE} characters."]}})
    return note


def written(kind: ContentKind, item: ContentItem, status: int = 200) -> tuple:
    """The item as written, with the ETag to send as If-Match next time (from the item in hand)."""
    headers = validator_headers(ItemState.of(item, queries.ALL_STATUSES))
    if status == 201:
        headers["Location"] = item_href(kind, item.slug)
    return item, status, headers


def item_for_write(kind: ContentKind, slug: str) -> ContentItem:
    """The item with its links, once the If-Match precondition holds (428 without it, 412 when it
    is stale). A writer that commits in between is caught by the version check of the UPDATE."""
    item = queries.find_item(kind, slug, statuses=queries.ALL_STATUSES)
    if item is None:
        abort(404, message=f"No {kind.type} has the slug '{slug}'.")
    check_if_match(item)
    return item


def content_blueprint(kind: ContentKind) -> Blueprint:
    blp = Blueprint(
        kind.collection,
        f"{__name__}.{kind.collection}",
        url_prefix=collection_href(kind.collection),
        description=DESCRIPTIONS[kind.type],
    )
    read_schema = READ_SCHEMAS[kind.type]
    docs = _docs(kind)
    health_representation_documented = (
        blp.alt_response(200, **JSON_LD_RESPONSE, headers=ITEM_HEADERS) if kind.cites else (lambda view: view)
    )

    @blp.route("")
    class Collection(MethodView):
        @described(*docs["list"])
        @paged(blp, QUERY_SCHEMAS[kind.type], read_schema, 304, 401, 503)
        def get(self, args):
            statuses = list_statuses(args.pop("status", None))
            etag = list_etag(current_generation(), args, (statuses, reader_scope()))
            if (unchanged := not_modified(etag)) is not None:
                return unchanged
            page = queries.list_items(kind, args, statuses=statuses)
            return page.items, pagination_headers(page) | {"ETag": f'"{etag}"'}

        @described(*docs["create"])
        @documented(400, 409, 413, 415, 503)
        @require_role("editor")
        @blp.arguments(CREATE_SCHEMAS[kind.type])
        @blp.response(201, read_schema, headers=CREATED_HEADERS)
        def post(self, data):
            note = change_note(data)
            item = create_item(kind, data, author=current_token().name, note=note)
            return written(kind, item, 201)

    def write_view(write, body_schema, doc: tuple[str, str]):
        """A change of the item by `write` (update_item, replace_item) with the body as sent."""

        @described(*doc)
        @documented(400, 404, 409, 412, 413, 415, 428, 503)
        @require_role("editor")
        @blp.arguments(body_schema)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def view(self, data, slug):
            note = change_note(data)
            return written(
                kind, write(item_for_write(kind, slug), data, author=current_token().name, note=note)
            )

        return view

    @blp.route("/<slug>")
    class Item(MethodView):
        @described(*docs["get"])
        @documented(301, 304, 404, 503)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        # Below `response`, so that the spec lists JSON first and takes this description.
        @health_representation_documented
        def get(self, slug):
            statuses = queries.ALL_STATUSES if current_token() is not None else queries.PUBLIC
            state = ItemState.read(kind, slug, statuses)
            if state is None:
                current = queries.redirected_slug(kind, slug, statuses=statuses)
                if current is not None:
                    return redirect(item_href(kind, current), 301)
                abort(404, message=f"No {kind.type} has the slug '{slug}'.")
            # A source is a document, not health content: it answers JSON only.
            media_type = negotiate(request.headers.get("Accept")) if kind.cites else JSON
            suffix = ETAG_SUFFIXES[media_type]
            etag = state.etag(reader_scope()) + suffix
            if (unchanged := not_modified(etag, state.last_modified)) is not None:
                return unchanged, VARY_ACCEPT
            item = queries.find_item(kind, slug, statuses=statuses)
            return represented(item, media_type), validator_headers(state, suffix) | VARY_ACCEPT

        patch = write_view(update_item, UPDATE_SCHEMAS[kind.type], docs["patch"])
        if kind.replaceable:
            put = write_view(replace_item, CREATE_SCHEMAS[kind.type], docs["put"])

        @described(*docs["delete"])
        # A source that items cite is not archived (409).
        @documented(404, 412, 428, 503, *((409,) if kind.cited else ()))
        @require_role("editor")
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def delete(self, slug):
            note = change_note({})
            item = archive_item(item_for_write(kind, slug), author=current_token().name, note=note)
            return written(kind, item)

    @blp.route("/<slug>/revisions")
    class Revisions(MethodView):
        @described(*docs["revisions"])
        @require_role("editor")
        @paged(blp, PageArgsSchema, RevisionSchema, 404, 503)
        def get(self, args, slug):
            item = _any_item(kind, slug)
            page = queries.list_revisions(item, page=args["page"], page_size=args["page_size"])
            return page.items, pagination_headers(page)

    @blp.route("/<slug>/revisions/<int(max=2147483647):version>")
    class Revision(MethodView):
        @described(*docs["revision"])
        @documented(404, 503)
        @require_role("editor")
        @blp.response(200, RevisionDetailSchema, headers=VALIDATOR_HEADERS)
        def get(self, slug, version):
            revision = queries.find_revision(_any_item(kind, slug), version)
            if revision is None:
                abort(404, message=f"This {kind.type} has no version {version}.")
            return revision

    @blp.route("/<slug>/revisions/<int(max=2147483647):version>/restore")
    class Restore(MethodView):
        @described(*docs["restore"])
        @documented(404, 412, 428, 503)
        @require_role("editor")
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def post(self, slug, version):
            item = item_for_write(kind, slug)
            if queries.find_revision(item, version) is None:
                abort(404, message=f"This {kind.type} has no version {version}.")
            note = change_note({})
            return written(kind, restore_revision(item, version, author=current_token().name, note=note))

    return blp


def _any_item(kind: ContentKind, slug: str) -> ContentItem:
    item = queries.find_item(kind, slug, statuses=queries.ALL_STATUSES)
    if item is None:
        abort(404, message=f"No {kind.type} has the slug '{slug}'.")
    return item


def _docs(kind: ContentKind) -> dict[str, tuple[str, str]]:
    """Summaries and descriptions for the OpenAPI spec, worded for this content type."""
    a, plural = kind.type, kind.collection
    listed = (
        f"A page of {plural}, narrowed by the filters given. An unknown filter value finds "
        "nothing; `q` searches the text and orders by relevance."
        if kind.searchable
        else f"A page of {plural}, each with how many citations of published items quote it."
    )
    set_by_slug = " Links and citations are set by slug." if kind.cites else ""
    never_changes = f" {_fixed(kind)} never change: sending them is a 422." if kind.fixed_fields else ""
    return {
        "list": (f"List {plural}", f"{listed} Editors may ask for `status=draft|archived|any`."),
        "create": (
            f"Create a {a}",
            f"A new {a} is a draft unless `status` says `published`.{set_by_slug} Answers 201 with "
            "`Location` and the `ETag` to send as `If-Match` next time.",
        ),
        "get": (
            f"Get one {a}",
            f"By slug. An old slug of a renamed {a} answers 301 with the current URL. Editors "
            "(with a token) also see drafts and archived items.",
        ),
        "patch": (
            f"Change a {a}",
            f"Changes the fields sent; lists sent replace the old ones.{never_changes} Needs "
            "`If-Match` with the current ETag: 428 without it, 412 when someone changed the item first.",
        ),
        "put": (
            f"Replace a {a}",
            "Replaces the content: the fields a creation requires must be sent, and every "
            f"optional content field left out goes back to its default ({_defaults(kind)}). "
            "`status` and `slug` stay unless sent. Needs `If-Match` with the current ETag.",
        ),
        "delete": (
            f"Archive a {a}",
            "Archives the item: it leaves public reads, nothing is erased. Needs `If-Match`. "
            'Publish it again with a PATCH of `{"status": "published"}`.'
            + (" A source that items cite stays published: 409, naming them." if kind.cited else ""),
        ),
        "revisions": (f"List a {a}'s revisions", "Every change, newest first: version, author, time, note."),
        "revision": (f"Get one revision of a {a}", "The item as it was at that version, in full."),
        "restore": (
            f"Restore a revision of a {a}",
            "Makes that version current again, as a new version. Needs `If-Match`.",
        ),
    }


def _fixed(kind: ContentKind) -> str:
    return " and ".join(f"`{name}`" for name in kind.fixed_fields)


def _defaults(kind: ContentKind) -> str:
    return ", ".join(f"`{name}`: `{json.dumps(value)}`" for name, value in kind.defaults.items())
