"""The change feed: what was created, changed, published or archived, in order, for mirrors."""

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from service.domain import queries
from service.domain.content import KINDS
from service.domain.models import REVISION_ACTIONS, STATUSES
from service.web.blueprint import Blueprint
from service.web.conditional import current_generation, list_etag, not_modified
from service.web.openapi import VALIDATOR_HEADERS, documented, operation
from service.web.paging import QueryInteger
from service.web.paths import API_PREFIX, item_href
from service.web.response_schema import OpenEnum, ResponseSchema
from service.web.schemas import EXAMPLE_TIME, REVISION_ACTION_DESCRIPTION, content_type_field

blp = Blueprint(
    "changes",
    __name__,
    url_prefix=f"{API_PREFIX}/changes",
    description="What changed, oldest first: poll it with the cursor it returns to mirror the content.",
)

MAX_CHANGES = 100


class ChangesArgsSchema(ma.Schema):
    since = QueryInteger(
        load_default=0,
        # The cursor is a revision id: a 32-bit integer column on PostgreSQL.
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "The cursor of the last answer (`next_cursor`); 0 or absent for the start."},
    )
    page_size = QueryInteger(
        load_default=MAX_CHANGES,
        validate=validate.Range(min=1, max=MAX_CHANGES),
        metadata={"description": f"Changes per answer, 1 to {MAX_CHANGES}."},
    )


class ChangeSchema(ResponseSchema):
    type = content_type_field()
    slug = fields.String(
        metadata={
            "description": "The item's slug after this change; for an item withdrawn from "
            "the public, the slug it was last published under.",
            "example": "checkpoint-inhibitors",
        }
    )
    version = fields.Integer(metadata={"description": "The item's version after this change.", "example": 2})
    action = OpenEnum(
        "RevisionAction",
        REVISION_ACTIONS,
        metadata={
            "description": f"{REVISION_ACTION_DESCRIPTION} A mirror may skip actions it does not know.",
            "example": "updated",
        },
    )
    status = OpenEnum(
        "ContentStatus",
        STATUSES,
        metadata={
            "description": "The item's status after the change: a mirror keeps only published items.",
            "example": "published",
        },
    )
    time = fields.DateTime(
        metadata={"description": "When the change was made (ISO 8601, UTC).", "example": EXAMPLE_TIME}
    )
    href = fields.String(
        metadata={
            "description": "The URL path of that slug.",
            "example": "/api/v1/therapies/checkpoint-inhibitors",
        }
    )


class ChangeFeedSchema(ResponseSchema):
    """A page of the feed, `ChangeFeed` in the spec: a schema named `Changes` holding a `changes`
    field gave a generated Python client one name for both, and code that mypy refuses."""

    changes = fields.List(fields.Nested(ChangeSchema), metadata={"description": "Oldest first."})
    next_cursor = fields.Integer(
        metadata={"description": "Ask with `since` set to this for what comes next.", "example": 42}
    )
    has_more = fields.Boolean(
        metadata={"description": "More changes wait: ask again at once.", "example": False}
    )


@blp.route("")
class Changes(MethodView):
    @operation("listChanges")
    @documented(304, 503)
    @blp.arguments(ChangesArgsSchema, location="query")
    @blp.response(200, ChangeFeedSchema, headers=VALIDATOR_HEADERS)
    def get(self, args):
        """Poll the change feed

        Changes after the cursor `since`, oldest first, at most `page_size` of them. Each change
        is listed once, in the order it was committed; ask again with `next_cursor`.
        """
        statuses = queries.PUBLIC
        etag = list_etag(current_generation("changes"), args, statuses)
        if (unchanged := not_modified(etag)) is not None:
            return unchanged
        rows, has_more = queries.changes_since(args["since"], args["page_size"])
        changes = [
            {
                "type": revision.item.type,
                "slug": public_slug,
                "version": revision.version,
                "action": revision.action,
                "status": revision.status,
                "time": revision.created_at,
                "href": item_href(KINDS[revision.item.type], public_slug),
            }
            for revision, public_slug in rows
        ]
        next_cursor = rows[-1][0].id if rows else args["since"]
        return {"changes": changes, "next_cursor": next_cursor, "has_more": has_more}, {"ETag": f'"{etag}"'}
