"""Synonym sets over the API: anyone with a token reads them, editors create, replace and delete
them, and every change is kept in their audit trail. Search expands queries with them; they are
never part of the content."""

from functools import wraps

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate
from werkzeug.http import http_date

from service.domain import synonyms
from service.domain.models import SYNONYM_ACTIONS, SynonymSet
from service.web.auth import require_role
from service.web.blueprint import Blueprint
from service.web.conditional import (
    check_if_match_etag,
    current_generation,
    etag_for,
    list_etag,
    not_modified,
)
from service.web.openapi import CREATED_HEADERS, ITEM_HEADERS, documented, operation
from service.web.paging import PageArgsSchema, paged, pagination_headers
from service.web.paths import SYNONYMS_HREF, synonym_href
from service.web.response_schema import OpenEnum, ResponseSchema, UrlPath
from service.web.routes.content import change_note, takes_change_note, writer
from service.web.schemas import EXAMPLE_TIME, MAX_CHANGE_NOTE

blp = Blueprint(
    "synonyms",
    __name__,
    url_prefix=SYNONYMS_HREF,
    description="Synonyms that search expands queries with: editors manage them; any token reads them.",
)

ONE_WAY_DESCRIPTION = (
    "false: a query for any term also finds the others. true: a query for the first term also "
    "finds the others, not the reverse (`blood cancer` finds `leukemia`; `leukemia` does not find "
    "`blood cancer`)."
)
TERMS_DESCRIPTION = (
    f"{synonyms.MIN_TERMS} to {synonyms.MAX_TERMS} terms, each {synonyms.TERM_RULE} Compared "
    "regardless of case, accents and spacing: none twice in a set, and a term a query expands from "
    "(every term, or a one-way set's first) in no other set (409)."
)


def _doc(description: str, example=None) -> dict:
    return {"description": description} | ({"example": example} if example is not None else {})


class SynonymSetSchema(ResponseSchema):
    """Terms that search treats as one."""

    id = fields.Integer(metadata=_doc("The set's id; never given to another set.", 1))
    terms = fields.List(
        fields.String(), metadata=_doc("The terms, as editors wrote them.", ["Keytruda", "pembrolizumab"])
    )
    one_way = fields.Boolean(metadata=_doc(ONE_WAY_DESCRIPTION, False))
    version = fields.Integer(metadata=_doc("1 at creation, +1 on every change.", 1))
    created_at = fields.DateTime(metadata=_doc("When the set was made (ISO 8601, UTC).", EXAMPLE_TIME))
    updated_at = fields.DateTime(metadata=_doc("When the set last changed (ISO 8601, UTC).", EXAMPLE_TIME))
    href = UrlPath(
        lambda synonym_set: synonym_href(synonym_set.id), "The set's URL path.", "/api/v1/synonyms/1"
    )


def term(value: str) -> None:
    """A term's own rules (its characters and length), checked with the body's other fields."""
    if (problem := synonyms.term_problem(value)) is not None:
        raise ma.ValidationError(problem)


class SynonymSetWriteSchema(ma.Schema):
    """A set as an editor sends it: a creation, or the whole of a replacement."""

    terms = fields.List(
        fields.String(
            validate=term,
            metadata={"minLength": 1, "maxLength": synonyms.MAX_TERM_LENGTH},
        ),
        required=True,
        validate=validate.Length(min=synonyms.MIN_TERMS, max=synonyms.MAX_TERMS),
        metadata=_doc(TERMS_DESCRIPTION, ["Keytruda", "pembrolizumab"]),
    )
    one_way = fields.Boolean(
        load_default=False,
        metadata=_doc(f"{ONE_WAY_DESCRIPTION} Default false, also when a replacement leaves it out.", False),
    )
    change_note = fields.String(
        load_only=True,
        validate=validate.Length(max=MAX_CHANGE_NOTE),
        metadata=_doc(
            "Why the change was made; kept with the revision (or send X-Change-Note).",
            "Brand name of pembrolizumab.",
        ),
    )
    note = fields.String(
        load_only=True,
        validate=validate.Length(max=MAX_CHANGE_NOTE),
        metadata=_doc(
            "The same as `change_note`, by the name the revisions give it; send one of the two.",
            "Brand name of pembrolizumab.",
        ),
    )

    @ma.validates_schema
    def one_note(self, data, **_kwargs):
        if "note" in data and "change_note" in data:
            raise ma.ValidationError("Send `change_note` or `note`, not both.", "note")

    @ma.post_load
    def note_as_change_note(self, data, **_kwargs):
        if "note" in data:
            data["change_note"] = data.pop("note")
        return data


class SynonymRevisionSchema(ResponseSchema):
    """One change of a synonym set, and the set as it was after it."""

    version = fields.Integer(metadata=_doc("The set's version after the change.", 2))
    action = OpenEnum(
        "SynonymAction",
        SYNONYM_ACTIONS,
        metadata=_doc(
            f"What the change did: {', '.join(SYNONYM_ACTIONS)}. An open list: clients must "
            "tolerate new values.",
            "updated",
        ),
    )
    terms = fields.List(
        fields.String(),
        metadata=_doc(
            "The terms after the change (before it, for a deletion).", ["Keytruda", "pembrolizumab"]
        ),
    )
    one_way = fields.Boolean(metadata=_doc("Whether the set was one-way after the change.", False))
    author = fields.String(
        metadata=_doc("The name of the token that made the change, or `seed`.", "editor-ann")
    )
    person = fields.String(metadata=_doc("The person holding that token, or `seed`.", "ann"))
    note = fields.String(
        allow_none=True,
        metadata=_doc(
            "Why the change was made (X-Change-Note, change_note or note); null if not said.",
            "Brand name of pembrolizumab.",
        ),
    )
    time = fields.DateTime(
        attribute="created_at", metadata=_doc("When the change was made (ISO 8601, UTC).", EXAMPLE_TIME)
    )


def set_etag(synonym_set: SynonymSet) -> str:
    """A set's validator: its id and version (a set's representation changes only with its version)."""
    return etag_for("synonym-set", synonym_set.id, synonym_set.version)


def answered(synonym_set: SynonymSet, status: int = 200) -> tuple:
    headers = {"ETag": f'"{set_etag(synonym_set)}"', "Last-Modified": http_date(synonym_set.updated_at)}
    if status == 201:
        headers["Location"] = synonym_href(synonym_set.id)
    return synonym_set, status, headers


def found(set_id: int) -> SynonymSet:
    synonym_set = synonyms.find_synonym_set(set_id)
    if synonym_set is None:
        abort(404, message=f"No synonym set has the id {set_id}.")
    return synonym_set


def for_write(set_id: int) -> SynonymSet:
    """The set, once If-Match holds: 428 without it, 412 when it names an older version. A writer
    that commits in between is caught by the version check of the UPDATE or DELETE."""
    synonym_set = found(set_id)
    check_if_match_etag(set_etag(synonym_set), synonyms.WHAT)
    return synonym_set


def clashes_named(view):
    """A term in another set is a 409 naming that set's URL."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except synonyms.TermClash as clash:
            abort(409, message=clash.detail_naming(synonym_href))

    return wrapper


@blp.route("")
class SynonymSets(MethodView):
    @operation("listSynonymSets")
    @require_role("viewer")
    @paged(blp, PageArgsSchema, SynonymSetSchema, 304, 503)
    def get(self, args):
        """List synonym sets

        Every set, oldest first, with any token: synonyms help readers find content but are never
        served as content. Its ETag changes with any write, so If-None-Match makes a poll cheap.
        """
        etag = list_etag(current_generation("synonyms"), args, "synonyms")
        if (unchanged := not_modified(etag)) is not None:
            return unchanged
        page = synonyms.list_synonym_sets(page=args["page"], page_size=args["page_size"])
        return page.items, pagination_headers(page) | {"ETag": f'"{etag}"'}

    @operation("createSynonymSet")
    @documented(400, 409, 413, 415, 503)
    @require_role("editor")
    @takes_change_note(blp)
    @blp.arguments(SynonymSetWriteSchema)
    @blp.response(201, SynonymSetSchema, headers=CREATED_HEADERS)
    @clashes_named
    def post(self, data):
        """Create a synonym set

        Editors. Search finds the terms' content for one another from the next query on, in every
        worker. Answers 201 with `Location` and the `ETag` to send as `If-Match` next time; 409
        names the other set of a term already in one.
        """
        note = change_note(data)
        who = writer()
        synonym_set = synonyms.create_synonym_set(
            data["terms"], one_way=data["one_way"], author=who.author, person=who.person, note=note
        )
        return answered(synonym_set, 201)


@blp.route("/<int(max=2147483647):set_id>")
class SynonymSetItem(MethodView):
    @operation("getSynonymSet")
    @require_role("viewer")
    @documented(304, 404, 503)
    @blp.response(200, SynonymSetSchema, headers=ITEM_HEADERS)
    def get(self, set_id):
        """Get one synonym set

        With any token. Its ETag is what `If-Match` takes for a change.
        """
        synonym_set = found(set_id)
        if (unchanged := not_modified(set_etag(synonym_set), synonym_set.updated_at)) is not None:
            return unchanged
        return answered(synonym_set)

    @operation("replaceSynonymSet")
    @documented(400, 404, 409, 412, 413, 415, 428, 503)
    @require_role("editor")
    @takes_change_note(blp)
    @blp.arguments(SynonymSetWriteSchema)
    @blp.response(200, SynonymSetSchema, headers=ITEM_HEADERS)
    @clashes_named
    def put(self, data, set_id):
        """Replace a synonym set

        Editors. The terms and `one_way` sent replace the set's (`one_way` left out is false), as
        its next version. Needs `If-Match` with its current ETag: 428 without it, 412 when someone
        changed it first.
        """
        note = change_note(data)
        who = writer()
        synonym_set = synonyms.replace_synonym_set(
            for_write(set_id),
            data["terms"],
            one_way=data["one_way"],
            author=who.author,
            person=who.person,
            note=note,
        )
        return answered(synonym_set)

    @operation("deleteSynonymSet")
    @documented(404, 412, 428, 503)
    @require_role("editor")
    @takes_change_note(blp)
    @blp.response(204)
    def delete(self, set_id):
        """Delete a synonym set

        Editors. Search stops expanding its terms; its revisions stay, the last naming who deleted
        it (and why: `X-Change-Note`). Needs `If-Match` with its current ETag.
        """
        note = change_note({})
        who = writer()
        synonyms.delete_synonym_set(for_write(set_id), author=who.author, person=who.person, note=note)


@blp.route("/<int(max=2147483647):set_id>/revisions")
class SynonymSetRevisions(MethodView):
    @operation("listSynonymSetRevisions")
    @require_role("viewer")
    @paged(blp, PageArgsSchema, SynonymRevisionSchema, 404, 503)
    def get(self, args, set_id):
        """List a synonym set's revisions

        Its audit trail, oldest first: every change, with who made it, when and why, and the set as
        it was after it. A deleted set's too.
        """
        page = synonyms.list_synonym_revisions(set_id, page=args["page"], page_size=args["page_size"])
        if page is None:
            abort(404, message=f"No synonym set ever had the id {set_id}.")
        return page.items, pagination_headers(page)
