"""Every error leaves the service as application/problem+json (RFC 9457), from this one place."""

import json
import logging
from http import HTTPStatus

import marshmallow as ma
from flask import Flask, Response, request
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from service.domain.database import is_unavailable
from service.domain.errors import CommitOutcomeUnknown, ContentError
from service.web.openapi import response_component
from service.web.paging import PaginationMetadataSchema
from service.web.request_log import REQUEST_ID_ENVIRON_KEY
from service.web.response_schema import ResponseSchema

PROBLEM_MIMETYPE = "application/problem+json"
# How long a client should wait before retrying when the database cannot be reached.
DATABASE_RETRY_AFTER_SECONDS = 5
# Where a layer in front of Flask leaves the error of a database it found unavailable.
UNAVAILABLE_ENVIRON_KEY = "service.database_unavailable"

log = logging.getLogger(__name__)


class ProblemSchema(ResponseSchema):
    """An error, as RFC 9457 describes it."""

    # Only a 422 names fields.
    SOMETIMES = ("errors",)

    type = ma.fields.String(
        metadata={"description": "A URI naming the kind of problem.", "example": "about:blank"}
    )
    title = ma.fields.String(metadata={"description": "The HTTP status phrase.", "example": "Not Found"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code.", "example": 404})
    detail = ma.fields.String(
        metadata={"description": "What went wrong, for a person.", "example": "No therapy has the slug 'x'."}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            "description": "422 only: the messages field by field, grouped by where the field was sent "
            "(`json`, `query`, `headers`).",
            "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"},
            "example": {"json": {"name": ["Missing data for required field."]}},
        },
    )


def problem_response(status: int, detail: str | None = None, *, errors=None, headers=None) -> Response:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail or HTTPStatus(status).description
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ProblemApi(Api):
    """flask-smorest's Api, answering (and documenting) errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    # flask-smorest offers no public way to say what its error responses are documented as: this one
    # method is overridden, so that they are problem+json, with the headers each status carries.
    def _register_responses(self) -> None:
        self.spec.components.schema("Problem", schema=ProblemSchema)
        for status in HTTPStatus:
            if status >= 300:
                self.spec.components.response(
                    status.name, response_component(status, "Problem", PROBLEM_MIMETYPE), lazy=True
                )
        self.spec.components.response(
            "DEFAULT_ERROR",
            {
                "description": "An error.",
                "content": {PROBLEM_MIMETYPE: {"schema": "Problem"}},
                "headers": {"X-Request-ID": "X-Request-ID"},
            },
            lazy=True,
        )

    # flask-smorest's paging header, unused here, would claim the name PaginationMetadata for a
    # schema whose previous and next pages are never null: the name goes to this service's own.
    def _register_pagination_header(self) -> None:
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)

    def handle_http_exception(self, error: HTTPException) -> Response:
        # An exception that carries its own answer (a rate limit's 429) keeps it.
        if error.response is not None:
            return error.response
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        # Werkzeug knows the allowed methods of a 405 and the target of a redirect.
        for name, value in error.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                headers.setdefault(name, value)
        errors = data.get("errors", data.get("messages"))
        detail = data.get("message") or error.description
        if errors is not None and not data.get("message"):
            detail = "The request has invalid fields: see `errors`."
        return problem_response(error.code or 500, detail, errors=errors, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Errors that are not HTTP exceptions: a database out of reach and anything unexpected."""

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Response:
        if not is_unavailable(error):
            return unexpected_error(error)
        return database_unavailable(error)

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(error: Exception) -> Response:
        log.error("database unavailable", exc_info=error, extra={"request_id": _request_id()})
        detail = "The database cannot be reached; try again shortly."
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            detail = "The database cannot take the change now: nothing was saved; send it again shortly."
        return problem_response(
            ServiceUnavailable.code, detail, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        )

    @app.before_request
    def answer_a_database_found_unavailable() -> None:
        # A layer in front (the response cache) already found it out of reach: no second wait.
        if UNAVAILABLE_ENVIRON_KEY in request.environ:
            raise DatabaseUnavailable() from request.environ[UNAVAILABLE_ENVIRON_KEY]

    @app.errorhandler(CommitOutcomeUnknown)
    def commit_outcome_unknown(error: CommitOutcomeUnknown) -> Response:
        log.error("database lost during a commit", exc_info=error, extra={"request_id": _request_id()})
        return problem_response(
            ServiceUnavailable.code,
            "The database was lost while the change was being saved: it may or may not be saved. "
            "Read the item again (its version and ETag tell) before you send the change again.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )

    @app.errorhandler(ContentError)
    def content_error(error: ContentError) -> Response:
        errors = {"json": error.errors} if error.errors is not None else None
        return problem_response(error.status, error.detail, errors=errors)

    # HTTP exceptions go to ProblemApi.handle_http_exception, the more specific handler.
    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        # The trace stays in the log; the client gets the id to report it by.
        request_id = _request_id()
        log.error("unhandled error", exc_info=error, extra={"request_id": request_id})
        return problem_response(
            InternalServerError.code, f"The server failed to answer; the error is logged as {request_id}."
        )


def _request_id() -> str | None:
    return request.environ.get(REQUEST_ID_ENVIRON_KEY)


class DatabaseUnavailable(Exception):
    """The database cannot serve this request now; the cause is chained."""
