"""Routes of the content types and of the sources they cite, made once from their descriptions in
service.domain.content.

Views parse (schemas), call one function of the editing path or of the queries, and return.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import wraps

from flask import Response, current_app, redirect, request
from flask.views import MethodView
from flask_smorest import abort
from werkzeug.http import http_date

from service.domain import public_items, queries, review
from service.domain.content import ContentKind
from service.domain.db import db
from service.domain.editing import archive_item, create_item
from service.domain.models import ContentItem
from service.domain.review import Writer
from service.web.auth import current_token, require_role
from service.web.blueprint import Blueprint
from service.web.conditional import (
    ItemState,
    check_if_match,
    current_generation,
    latest_etag,
    list_etag,
    not_modified,
    public_scopes,
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
    LIST_HEADERS,
    VALIDATOR_HEADERS,
    described,
    documented,
)
from service.web.paging import PageArgsSchema, paged, pagination_headers
from service.web.paths import collection_href, item_href
from service.web.schemas import (
    CREATE_SCHEMAS,
    ITEM_QUERY_SCHEMAS,
    QUERY_SCHEMAS,
    READ_SCHEMAS,
    SELECTION_SCHEMAS,
    UPDATE_SCHEMAS,
    ChangeNoteHeaderSchema,
    RevisionDetailSchema,
    RevisionSchema,
)
from service.web.selection import FIELDS_MEDIA_TYPE, selected, selection_etag

DESCRIPTIONS = {
    "therapy": "Kinds of immunotherapy (checkpoint inhibitors, CAR T-cell therapy, ...).",
    "mechanism": "How therapies act on the immune system.",
    "indication": "Diseases and conditions immunotherapy is used or studied for.",
    "faq": "Questions and their answers.",
    "source": "The source documents, with the text that every quote is checked against.",
}


def render_public(item: ContentItem) -> tuple[str, datetime]:
    """An item's public JSON as a read answers it, without the final newline, and its
    Last-Modified: what public_items stores. The item's links are loaded as the public sees them."""
    body = current_app.json.dumps(READ_SCHEMAS[item.type]().dump(item), separators=(",", ":"))
    return body, ItemState.of(item, queries.PUBLIC).last_modified


def stored_json(body: str) -> Response:
    return current_app.response_class(f"{body}\n", mimetype="application/json")


def list_statuses(requested: Sequence[str] | None) -> Sequence[str]:
    """Published only, unless an editor asks for drafts, archived items or any status."""
    if requested is None or set(requested) == {"published"}:
        return queries.PUBLIC
    if current_token() is None:
        abort(401, message="Only editors may list drafts and archived items; send a token.")
    return queries.ALL_STATUSES if "any" in requested else tuple(requested)


def change_note(data: dict) -> str | None:
    """The note of a write: the body's `change_note`, else the X-Change-Note header (both checked
    before the view runs: see takes_change_note)."""
    return data.pop("change_note", None) or request.headers.get("X-Change-Note")


def takes_change_note(blp: Blueprint):
    """Route decorator of a write that keeps a note with its revision: X-Change-Note is checked
    (too long: a 422 naming it) and documented as a parameter; change_note() reads it."""

    def decorate(view):
        @wraps(view)
        def checked(*args, note=None, **kwargs):
            return view(*args, **kwargs)

        return blp.arguments(ChangeNoteHeaderSchema, location="headers", as_kwargs=True)(checked)

    return decorate


def writer() -> Writer:
    token = current_token()
    return Writer(token.name, token.person)


def latest(
    kind: ContentKind, item: ContentItem, status: int = 200, selection: tuple[str, ...] | None = None
) -> tuple:
    """The item's latest version, as `?preview=true` shows it and as a write answers: a change
    waiting for review, or the item itself (or the `selection` of its fields); with the ETag to
    send as If-Match next time."""
    pending = review.pending_revision(item)
    version = pending.version if pending is not None else item.version
    # The item and what it links to, or the change waiting for review, whichever changed last.
    changed = ItemState.of(item, queries.ALL_STATUSES).last_modified
    if pending is not None:
        changed = max(changed, pending.created_at)
    etag = selection_etag(latest_etag(item, version), selection)
    headers = {"ETag": f'"{etag}"', "Last-Modified": http_date(changed)}
    if status == 200 and request.method == "GET" and (unchanged := not_modified(etag, changed)):
        return unchanged
    if status == 201:
        headers["Location"] = item_href(kind, item.slug)
    shown = item if pending is None else review.staged(item, pending)
    if selection:
        body = selected(READ_SCHEMAS[kind.type], shown, selection, many=False)
    elif pending is None:
        return item, status, headers
    else:
        body = current_app.json.response(READ_SCHEMAS[kind.type]().dump(shown))
    if pending is not None:
        # The pending version was only read: nothing of it is ever written to the item.
        db.session.rollback()
    return body, status, headers


def stored_item(stored) -> Response:
    """A published item's stored JSON, with the validators made from it."""
    if (unchanged := not_modified(stored.etag, stored.modified_at)) is not None:
        unchanged.headers.update(VARY_ACCEPT)
        return unchanged
    response = stored_json(stored.body)
    response.set_etag(stored.etag)
    response.last_modified = stored.modified_at
    response.headers.update(VARY_ACCEPT)
    return response


def refuse_publishing(view):
    """Publishing is a second person's approval: a write that says `published` is refused before
    anything else is looked at."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None  # invalid JSON: the body's parser answers it (400)
        if isinstance(body, dict) and body.get("status") == "published":
            abort(
                403,
                message="Publishing is an approval: submit the change (POST {item}/submit) for a "
                "reviewer to approve (POST {item}/approve).",
            )
        return view(*args, **kwargs)

    return wrapper


def item_for_write(kind: ContentKind, slug: str) -> tuple[ContentItem, int]:
    """The item with its links and its latest version as the writer read it, once the If-Match
    precondition holds (428 without it, 412 when it is stale). A writer that commits in between is
    caught by the version check of the UPDATE, or of the pending version's number."""
    item = queries.find_item(kind, slug, statuses=queries.ALL_STATUSES)
    if item is None:
        abort(404, message=f"No {kind.type} has the slug '{slug}'.")
    return item, check_if_match(item)


def content_blueprint(kind: ContentKind) -> Blueprint:
    blp = Blueprint(
        kind.collection,
        f"{__name__}.{kind.collection}",
        url_prefix=collection_href(kind.collection),
        description=DESCRIPTIONS[kind.type],
    )
    read_schema = READ_SCHEMAS[kind.type]
    selection_schema = SELECTION_SCHEMAS[kind.type]
    docs = _docs(kind)
    health_representation_documented = (
        blp.alt_response(
            200,
            **JSON_LD_RESPONSE | {"description": f"{JSON_LD_RESPONSE['description']} {_SELECTED_ITEM}"},
            headers=ITEM_HEADERS,
        )
        if kind.cites
        else (lambda view: view)
    )

    @blp.route("")
    class Collection(MethodView):
        @described(*docs["list"])
        @paged(blp, QUERY_SCHEMAS[kind.type], read_schema, 304, 401, 503)
        # Below `paged`, so that the spec lists JSON first and takes this description.
        @blp.alt_response(
            200,
            schema=selection_schema(many=True),
            content_type=FIELDS_MEDIA_TYPE,
            description=f"A page of {kind.collection}. {_SELECTED_LIST}",
            headers=LIST_HEADERS,
        )
        def get(self, args):
            statuses = list_statuses(args.pop("status", None))
            # `fields` is among the arguments: a selection has its own ETag.
            # Editors see drafts: every write changes their lists; the public's, only what it shows.
            scopes = public_scopes(request.path, searched="q" in args) if current_token() is None else ()
            etag = list_etag(current_generation(*scopes), args, (statuses, reader_scope()))
            if (unchanged := not_modified(etag)) is not None:
                return unchanged
            page = queries.list_items(kind, args, statuses=statuses)
            headers = pagination_headers(page) | {"ETag": f'"{etag}"'}
            if "fields" in args:
                return selected(read_schema, page.items, args["fields"], many=True), headers
            if page.stored:
                return stored_json(f"[{','.join(page.items)}]"), headers
            return page.items, headers

        @described(*docs["create"])
        @documented(400, 409, 413, 415, 503)
        @require_role("editor")
        @takes_change_note(blp)
        @refuse_publishing
        @blp.arguments(CREATE_SCHEMAS[kind.type])
        @blp.response(201, read_schema, headers=CREATED_HEADERS)
        def post(self, data):
            note = change_note(data)
            who = writer()
            item = create_item(kind, data, author=who.author, person=who.person, note=note)
            return latest(kind, item, 201)

    def write_view(body_schema, doc: tuple[str, str, str], *, replace: bool):
        """A change of the item with the body as sent: a PATCH, or a PUT (`replace`)."""

        @described(*doc)
        @documented(400, 404, 409, 412, 413, 415, 428, 503)
        @require_role("editor")
        @takes_change_note(blp)
        @refuse_publishing
        @blp.arguments(body_schema)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def view(self, data, slug):
            note = change_note(data)
            item = review.propose_change(
                *item_for_write(kind, slug), data, writer(), note=note, replace=replace
            )
            return latest(kind, item)

        return view

    def transition_view(step, role: str, doc: tuple[str, str, str], *refusals: int):
        """A step of review (submit, approve, reject, re-confirm), guarded by If-Match."""

        @described(*doc)
        @documented(404, 409, 412, 428, 503, *refusals)
        @require_role(role)
        @takes_change_note(blp)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def view(self, slug):
            item, read_version = item_for_write(kind, slug)
            return latest(kind, step(item, read_version, writer(), note=change_note({})))

        return view

    @blp.route("/<slug>")
    class Item(MethodView):
        @described(*docs["get"])
        @documented(301, 304, 404, 503)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        # Below `response`, so that the spec lists JSON first; the lowest description is taken.
        @blp.alt_response(
            200,
            schema=selection_schema,
            content_type=FIELDS_MEDIA_TYPE,
            description=f"The {kind.type}. {_SELECTED_ITEM}",
            headers=ITEM_HEADERS,
        )
        @health_representation_documented
        @blp.arguments(ITEM_QUERY_SCHEMAS[kind.type], location="query")
        def get(self, args, slug):
            selection = args.get("fields")
            if args.get("preview"):
                if current_token() is None:
                    abort(401, message="A preview shows what is not published yet: send a token.")
                return latest(kind, _any_item(kind, slug), selection=selection)
            anonymous = current_token() is None
            statuses = queries.PUBLIC if anonymous else queries.ALL_STATUSES
            # A source is a document, not health content: it answers JSON only.
            media_type = negotiate(request.headers.get("Accept")) if kind.cites else JSON
            # The public JSON as stored; JSON-LD, selections and editors' reads are made here.
            if anonymous and not selection and media_type == JSON:
                stored = public_items.read_item(kind.type, slug)
                if stored is not None:
                    return stored_item(stored)
            state = ItemState.read(kind, slug, statuses)
            if state is None:
                current = queries.redirected_slug(kind, slug, statuses=statuses)
                if current is not None:
                    return redirect(item_href(kind, current), 301)
                abort(404, message=f"No {kind.type} has the slug '{slug}'.")
            if selection and media_type != JSON:
                abort(
                    422,
                    message="`fields` selects fields of the JSON representation; the JSON-LD one is "
                    "served whole. Ask for JSON (Accept: application/json), or leave `fields` out.",
                    errors={"query": {"fields": ["Not with JSON-LD (Accept: application/ld+json)."]}},
                )
            headers = validator_headers(state, ETAG_SUFFIXES[media_type], selection) | VARY_ACCEPT
            if (unchanged := not_modified(headers["ETag"][1:-1], state.last_modified)) is not None:
                return unchanged, VARY_ACCEPT
            item = queries.find_item(kind, slug, statuses=statuses)
            if selection:
                return selected(read_schema, item, selection, many=False), headers
            return represented(item, media_type), headers

        patch = write_view(UPDATE_SCHEMAS[kind.type], docs["patch"], replace=False)
        if kind.replaceable:
            put = write_view(CREATE_SCHEMAS[kind.type], docs["put"], replace=True)

        @described(*docs["delete"])
        # A source that items cite is not archived (409).
        @documented(404, 412, 428, 503, *((409,) if kind.cited else ()))
        @require_role("editor")
        @takes_change_note(blp)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def delete(self, slug):
            note = change_note({})
            who = writer()
            item, _version = item_for_write(kind, slug)
            item = archive_item(item, author=who.author, person=who.person, note=note)
            return latest(kind, item)

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
        @takes_change_note(blp)
        @blp.response(200, read_schema, headers=ITEM_HEADERS)
        def post(self, slug, version):
            item, read_version = item_for_write(kind, slug)
            revision = queries.find_revision(item, version)
            if revision is None:
                abort(404, message=f"This {kind.type} has no version {version}.")
            note = change_note({}) or f"Restored version {version}."
            restored = review.propose_change(
                item, read_version, revision.snapshot, writer(), note=note, action="restored"
            )
            return latest(kind, restored)

    for step, role, refusals in (
        (review.submit, "editor", ()),
        (review.approve, "reviewer", (403, 422)),
        (review.reject, "reviewer", (422,)),
        (review.confirm, "reviewer", ()),
    ):
        path = "reviews" if step is review.confirm else step.__name__
        view = transition_view(step, role, docs[path], *refusals)
        blp.route(f"/<slug>/{path}")(type(f"{path.capitalize()}Step", (MethodView,), {"post": view}))

    return blp


_SELECTED_ITEM = (
    f"With `fields`, only those fields (and `slug` and `href`), as `{FIELDS_MEDIA_TYPE}`, with an ETag "
    "of its own that If-Match also takes."
)
_SELECTED_LIST = (
    f"With `fields`, only those fields of each (and `slug` and `href`), as `{FIELDS_MEDIA_TYPE}`."
)


def _any_item(kind: ContentKind, slug: str) -> ContentItem:
    item = queries.find_item(kind, slug, statuses=queries.ALL_STATUSES)
    if item is None:
        abort(404, message=f"No {kind.type} has the slug '{slug}'.")
    return item


def _docs(kind: ContentKind) -> dict[str, tuple[str, str, str]]:
    """Summaries, descriptions and operationIds for the OpenAPI spec, worded for this content type."""
    a, plural = kind.type, kind.collection
    one, many = kind.type.capitalize(), kind.collection.capitalize()
    listed = (
        f"A page of {plural}, narrowed by the filters given. An unknown filter value finds "
        "nothing; `q` searches the text and orders by relevance."
        if kind.searchable
        else f"A page of {plural}, each with how many citations of published items quote it."
    )
    set_by_slug = " Links and citations are set by slug." if kind.cites else ""
    never_changes = f" {_fixed(kind)} never change: sending them is a 422." if kind.fixed_fields else ""
    docs = {
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
            f"Makes that version the latest again, as a new version; of a published {a}, a change "
            "waiting for review like any other. Needs `If-Match`.",
        ),
        "submit": (
            f"Submit a {a} for review",
            "The latest version, a draft, goes to review (`in_review`). Editors. Needs `If-Match` "
            "with the latest version's ETag (as `?preview=true` returns it); 409 when it is not a draft.",
        ),
        "approve": (
            f"Approve a {a}",
            "Publishes the latest version, in review: reviewers. The claim rules are checked as on "
            "any publish (422 naming each unsupported claim). 403 for a person who wrote any version "
            "since the last published one (four eyes). Needs `If-Match`.",
        ),
        "reject": (
            f"Reject a {a}",
            "Sends the latest version, in review, back to draft: reviewers, with a note saying why "
            "(`X-Change-Note`; 422 without one). Needs `If-Match`.",
        ),
        "reviews": (
            f"Re-confirm a published {a}",
            f"A reviewer re-confirms a published {a} that has no change waiting: a review with no "
            "change of content, still a new version; it moves `review.next_review_due` on. Needs "
            "`If-Match`.",
        ),
    }
    # Stable operationIds, camelCase verb and noun: what generated clients name their methods.
    operation_ids = {
        "list": f"list{many}",
        "create": f"create{one}",
        "get": f"get{one}",
        "patch": f"update{one}",
        "put": f"replace{one}",
        "delete": f"archive{one}",
        "revisions": f"list{one}Revisions",
        "revision": f"get{one}Revision",
        "restore": f"restore{one}Revision",
        "submit": f"submit{one}",
        "approve": f"approve{one}",
        "reject": f"reject{one}",
        "reviews": f"confirm{one}Review",
    }
    return {key: (*doc, operation_ids[key]) for key, doc in docs.items()}


def _fixed(kind: ContentKind) -> str:
    return " and ".join(f"`{name}`" for name in kind.fixed_fields)


def _defaults(kind: ContentKind) -> str:
    return ", ".join(f"`{name}`: `{json.dumps(value)}`" for name, value in kind.defaults.items())
