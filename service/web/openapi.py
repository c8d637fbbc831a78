"""What the OpenAPI spec says beyond the schemas: security, headers and every response a route gives."""

from http import HTTPStatus

from apispec import BasePlugin
from flask_smorest import Api, Blueprint

from service.web import health_representation
from service.web.paths import HEALTH_PATHS
from service.web.response_schema import open_enum_property

BEARER = [{"bearerAuth": []}]

GUIDE = """Curated, source-cited content about immunotherapy (therapies, mechanisms, indications and
FAQs) and the source documents it cites, as JSON under `/api/v1`. Every statement an item makes
cites an exact passage of a source: its `sources` name the passage and the claims it backs.

## Reading
Published content needs no token. A list (`GET /api/v1/therapies`, ...) answers a JSON array: one
page of it, `page` from 1 and `page_size` 1 to 100 (default 20). Where the page stands is in the
`X-Pagination` header, as JSON (`total`, `total_pages`, `page`, `previous_page`, `next_page`, ...),
and in an RFC 8288 `Link` header (`first`, `prev`, `next`, `last`). An item is read by its slug; the
old slug of a renamed item answers 301 with its new URL.

## Caching
Every read carries a strong `ETag`: send it back in `If-None-Match` and get a `304 Not Modified`,
with no body, while your copy is current. Anonymous reads are `Cache-Control: public, max-age=60`,
and tell shared caches (a CDN, the service's own edge) more, by default `s-maxage=1`, then a stale
copy only while they revalidate it (`stale-while-revalidate=30`) or cannot reach the service
(`stale-if-error=300`). An anonymous 404 may be kept as long, so that a withdrawn item's takes its
copy's place. Reads with a token are `private, no-store`.

## Tokens and writing
Editors send `Authorization: Bearer <token>`. Tokens are made on the command line
(`flask tokens create`) or by an admin (`POST /api/v1/tokens`); their roles are viewer, editor,
reviewer and admin. Every `PATCH`, `PUT` and `DELETE` needs `If-Match` with the ETag you read: 428
without it, 412 when someone changed the item first (read it again, then apply your change to
it). A note in `X-Change-Note` (or `change_note` in the body) is kept with the revision. New items
are drafts; publishing is a second person's approval (`submit`, then `approve`).

## Errors
Every error is `application/problem+json` (RFC 9457): `type`, `title`, `status` and `detail`; a 422
adds `errors`, the messages field by field under where each field was sent (`json`, `query`,
`headers`). A 429 and a 503 say in `Retry-After` how many seconds to wait. Every response carries
an `X-Request-ID` (yours, when you send a plain one): quote it when you report a problem.

## Generated clients
Every operation has a stable `operationId`. The fields a representation always carries are
`required`, and `null` only where the schema says so. Objects may gain fields, and an open enum
(`anyOf` a named list of its known values, such as `ContentStatus`, and any string) may gain
values: a client must accept both.

## Medical disclaimer
The content is general information drawn from the sources it cites, not medical advice. Apps show
the `disclaimer` of `GET /api/v1` with it.
"""

# Top-level keys of the spec (flask-smorest's API_SPEC_OPTIONS). The server is relative: the paths
# are absolute, so clients call the origin that served the spec, never a guessed localhost.
SPEC_OPTIONS = {
    "info": {"description": GUIDE},
    "servers": [{"url": "/", "description": "The origin that serves this spec."}],
}

# Response headers, documented once and referred to by name.
HEADERS = {
    "ETag": {
        "description": "A strong validator: send it in If-None-Match to revalidate, in If-Match to write.",
        "schema": {"type": "string", "example": '"5d41402abc4b2a76b9719d911017c592"'},
    },
    "Last-Modified": {
        "description": "When the item or an item it links to last changed (an HTTP date, to the "
        "second): send it in If-Modified-Since to revalidate.",
        "schema": {"type": "string", "example": "Mon, 05 Jan 2026 12:00:00 GMT"},
    },
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages: "
        '`</api/v1/faqs?page=2&page_size=20>; rel="next"`.',
        "schema": {"type": "string"},
    },
    "X-Pagination": {
        "description": "Where this page stands in the list, as JSON (PaginationMetadata): "
        '`{"total": 22, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, '
        '"previous_page": null, "next_page": 2}`.',
        "content": {"application/json": {"schema": "PaginationMetadata"}},
    },
    "X-Did-You-Mean": {
        "description": "Only when a word of `q` was not found and a correction was searched instead: "
        "the query as corrected, percent-encoded as in a URL (decode it with `decodeURIComponent`).",
        "schema": {"type": "string", "example": "pembrolizumab%20side%20effects"},
    },
    "Location": {"description": "The URL path of the item.", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "`Bearer`: how to authenticate.", "schema": {"type": "string"}},
    "X-Request-ID": {
        "description": "The request's id, as the service's log names it: the one the request sent, "
        "when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`, else a new one. Quote it when you report a problem.",
        "schema": {"type": "string", "example": "207d5dab0600e9d12acbfd895ca9e0a4"},
    },
}

# A 422's messages, field by field: a list of messages, or for a field holding others (an object,
# or a list by the index of its entry) the same again.
FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by field name: a list of messages, or for a field that holds others (an "
    "object, or a list by the index of each entry) the same again.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/FieldErrors"},
        ]
    },
    "example": {
        "name": ["Missing data for required field."],
        "sources": {"0": {"quote": ["Shorter than minimum length 20."]}},
    },
}

PARAMETERS = {
    "IfMatch": {
        "in": "header",
        "name": "If-Match",
        "required": True,
        "description": "The item's current ETag, as read: 428 without it, 412 when the item has "
        "changed since.",
        "schema": {"type": "string"},
    },
    "IfNoneMatch": {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "description": "An ETag you hold: 304 with no body while it is still current.",
        "schema": {"type": "string"},
    },
    "IfModifiedSince": {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "description": "The Last-Modified you hold: 304 with no body while nothing changed since (to "
        "the second). Ignored when If-None-Match is sent, or when it is not one HTTP date.",
        "schema": {"type": "string"},
    },
}

# Headers each kind of answer carries.
LIST_HEADERS = {"ETag": "ETag", "Link": "Link", "X-Pagination": "X-Pagination"}
SEARCH_HEADERS = LIST_HEADERS | {"X-Did-You-Mean": "X-Did-You-Mean"}
ITEM_HEADERS = {"ETag": "ETag", "Last-Modified": "Last-Modified"}
CREATED_HEADERS = {"ETag": "ETag", "Location": "Location"}
VALIDATOR_HEADERS = {"ETag": "ETag"}

# What a status answers besides its problem+json body.
_RESPONSE_HEADERS = {
    301: {"Location": "Location"},
    304: {"ETag": "ETag"},
    401: {"WWW-Authenticate": "WWW-Authenticate"},
    429: {"Retry-After": "Retry-After"},
    503: {"Retry-After": "Retry-After"},
}
_DESCRIPTIONS = {
    301: "The item was renamed: `Location` names its current URL.",
    304: "Not Modified: your copy (If-None-Match, or If-Modified-Since) is current; no body.",
    400: "The body is not valid JSON.",
    401: "No token, or a bad, revoked or expired one.",
    403: "The token's role may not do this.",
    404: "Nothing has this slug (or it is a draft, and no token was sent).",
    409: "The slug or the name is already taken, or (archiving a source) items still cite it.",
    412: "If-Match is stale: the item has changed since you read it.",
    413: "The body is larger than 1 MiB.",
    414: "The URL is longer than the service takes (8000 characters by default).",
    415: "The body is not application/json.",
    422: "Invalid fields or query parameters (an unknown one too), named one by one in `errors`; or "
    "text holding NUL.",
    428: "If-Match is missing.",
    429: "Too many requests: wait `Retry-After` seconds.",
    503: "The database cannot be reached, or is not migrated: wait `Retry-After` seconds.",
}


def register_components(api: Api) -> None:
    spec = api.spec
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `flask tokens create` or an admin.",
        },
    )
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for name, parameter in PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], parameter)
    spec.components.schema("FieldErrors", FIELD_ERRORS)
    for name, schema in health_representation.SCHEMAS.items():
        spec.components.schema(name, schema)
    for plugin in (ResponsesOfEveryOperation(), ConditionalRequestHeaders(), RequestIdOnEveryResponse()):
        plugin.init_spec(spec)
        spec.plugins.append(plugin)
    api.ma_plugin.converter.add_parameter_attribute_function(comma_separated)
    api.ma_plugin.converter.add_attribute_function(open_enum_property)


def comma_separated(self, field, **kwargs) -> dict:
    """A query parameter that takes a list (`CommaList`) in the comma-separated form: `a,b`."""
    return {"style": "form", "explode": False} if getattr(field, "comma_separated", False) else {}


class ResponsesOfEveryOperation(BasePlugin):
    """Any API operation may answer 401 (a bad token is refused wherever it is sent), 414 (a URL
    too long), 422 (no text may hold NUL, in the path, the query or a body; a query parameter it
    does not declare) and 429 (the rate limits); one that takes a body, 400, 413 and 415 too. The
    health checks only 414 and 422."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            statuses = [414, 422] if path in HEALTH_PATHS else [401, 414, 422, 429]
            if "requestBody" in operation:
                statuses += [400, 413, 415]
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), HTTPStatus(status).name)


class ConditionalRequestHeaders(BasePlugin):
    """An operation that may answer 304 reads If-None-Match, and If-Modified-Since too where it
    sends Last-Modified; one that may answer 428 needs If-Match."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            responses = operation.get("responses", {})
            statuses = {str(status) for status in responses}
            for status, parameter in (("304", "IfNoneMatch"), ("428", "IfMatch")):
                if status in statuses:
                    operation.setdefault("parameters", []).append(parameter)
            ok = responses.get("200", responses.get(200))
            if "304" in statuses and isinstance(ok, dict) and "Last-Modified" in ok.get("headers", {}):
                operation["parameters"].append("IfModifiedSince")


class RequestIdOnEveryResponse(BasePlugin):
    """Every response carries X-Request-ID (the outermost WSGI layer adds it): the responses of an
    operation say so here, the shared ones in response_component."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict):
                    response.setdefault("headers", {})["X-Request-ID"] = "X-Request-ID"


def response_component(status: HTTPStatus, problem_schema, problem_type: str) -> dict:
    """The shared response of a status: problem+json for errors, headers only for 301 and 304."""
    response: dict = {"description": _DESCRIPTIONS.get(status, status.phrase)}
    if status >= 400:
        response["content"] = {problem_type: {"schema": problem_schema}}
    response["headers"] = _RESPONSE_HEADERS.get(status, {}) | {"X-Request-ID": "X-Request-ID"}
    return response


def documented(*statuses: int, secured: bool = False):
    """Route decorator: the route's other answers (shared response components) and, when `secured`,
    its bearer token, through flask-smorest's own `doc`. The request headers follow from the
    statuses (see ConditionalRequestHeaders)."""
    doc: dict = {"responses": {str(status): HTTPStatus(status).name for status in statuses}}
    if secured:
        doc["security"] = BEARER
    return Blueprint.doc(**doc)


def described(summary: str, description: str, operation_id: str):
    """Route decorator: a summary, description and operationId for a view made in a loop (no
    docstring of its own)."""
    return Blueprint.doc(summary=summary, description=description, operationId=operation_id)


def operation(operation_id: str):
    """Route decorator: the operation's stable operationId, camelCase verb and noun
    (`listTherapies`): the name generated clients give the method, so it never changes in v1."""
    return Blueprint.doc(operationId=operation_id)
