"""The API index and the health checks that stand outside the version prefix."""

import math
import time

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields

from service.domain.content import KINDS
from service.domain.db import db
from service.domain.models import ReadinessCheck, utcnow
from service.web.blueprint import Blueprint
from service.web.openapi import VALIDATOR_HEADERS, documented, operation
from service.web.paths import API_PREFIX, API_VERSION, collection_href
from service.web.response_schema import ResponseSchema
from service.web.routes.docs import REDOC_URL, SPEC_URL, SWAGGER_UI_URL

blp = Blueprint("meta", __name__, description="The API index and health checks.")

# What apps show beside the content: plain words, two sentences at most.
DISCLAIMER = (
    "This is general information drawn from the sources it cites, not medical advice. "
    "Talk to your doctor about your own health and treatment."
)


def url_paths(description: str, paths: dict[str, str]) -> fields.Dict:
    """A map of names to URL paths, with the names it always holds typed one by one; it may gain others."""
    properties = {name: {"type": "string"} for name in paths}
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": description,
            "properties": properties,
            "required": list(paths),
            "example": paths,
        },
    )


class IndexSchema(ResponseSchema):
    version = fields.String(metadata={"description": "The API version.", "example": API_VERSION})
    collections = url_paths(
        "Each collection's URL path, by its name.",
        {kind.collection: collection_href(kind.collection) for kind in KINDS.values()},
    )
    docs = url_paths(
        "Documentation URLs.", {"openapi": SPEC_URL, "swagger_ui": SWAGGER_UI_URL, "redoc": REDOC_URL}
    )
    disclaimer = fields.String(
        metadata={
            "description": "A short medical disclaimer that apps are expected to show with the content.",
            "example": DISCLAIMER,
        }
    )


class HealthSchema(ResponseSchema):
    status = fields.String(metadata={"description": "ok when healthy.", "example": "ok"})


@blp.route(API_PREFIX)
class Index(MethodView):
    @operation("getApiIndex")
    @documented(304)
    @blp.response(200, IndexSchema, headers=VALIDATOR_HEADERS)
    def get(self):
        """The API index

        The collections' URLs, the documentation's URLs, the API version, and the disclaimer that
        apps show with the content.
        """
        collections = {kind.collection: collection_href(kind.collection) for kind in KINDS.values()}
        return {
            "version": API_VERSION,
            "collections": collections,
            "docs": {
                "openapi": SPEC_URL,
                "swagger_ui": SWAGGER_UI_URL,
                "redoc": REDOC_URL,
            },
            "disclaimer": DISCLAIMER,
        }


@blp.route("/healthz")
class Health(MethodView):
    @operation("checkLiveness")
    @documented(304)
    @blp.response(200, HealthSchema, headers=VALIDATOR_HEADERS)
    def get(self):
        """Liveness

        The process is alive; touches nothing else.
        """
        return {"status": "ok"}


# A write that succeeded is trusted this long, per process: many checkers probing every second
# cost one write.
WRITE_CHECK_SECONDS = 5


def _check_writes() -> None:
    """One real write, committed on its own connection (a failure is the database's, not the
    request's): a full disk or a read-only database is not ready."""
    checked = current_app.extensions.setdefault("readiness", {"writes_checked_at": -math.inf})
    if time.monotonic() - checked["writes_checked_at"] < WRITE_CHECK_SECONDS:
        return
    probe = sa.update(ReadinessCheck).where(ReadinessCheck.id == 1).values(checked_at=utcnow())
    with db.engine.begin() as connection:
        connection.execute(probe)
    checked["writes_checked_at"] = time.monotonic()


@blp.route("/readyz")
class Ready(MethodView):
    @operation("checkReadiness")
    @documented(304, 503)
    @blp.response(200, HealthSchema, headers=VALIDATOR_HEADERS)
    def get(self):
        """Readiness

        The database answers, its schema is at the newest migration and it takes a write; 503
        otherwise (out of reach, not migrated, a full disk, a read-only file or server).
        """
        heads = set(
            ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_heads()
        )
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current != heads:
            abort(
                503,
                message="The database schema is not at the newest migration.",
                headers={"Retry-After": "30"},
            )
        _check_writes()
        return {"status": "ok"}
