"""HTTP details shared by the read endpoints: paging, validators (ETag, 304) and caching headers."""

import hashlib
import json
import re
from datetime import datetime
from urllib.parse import urlencode

import marshmallow as ma
from flask import Flask, Response, request
from flask_smorest import abort
from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

from service.domain.db import db
from service.domain.generation import read_generation
from service.domain.queries import Page

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Where the response cache leaves the generation it read, so that the request reads it only once.
GENERATION_ENVIRON_KEY = "service.generation"
# How long browsers and shared caches may keep an anonymous read without asking again.
PUBLIC_MAX_AGE = 60
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class QueryInteger(fields.Integer):
    """An integer in a query string, in ASCII digits: Python's int() also reads other scripts' digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` in a route, in ASCII digits only (Werkzeug's `\\d` matches any script's digits)."""

    regex = r"[0-9]+"


class PageArgsSchema(ma.Schema):
    page = QueryInteger(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "The page to return, from 1.", "example": 1},
    )
    page_size = QueryInteger(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, 1 to {MAX_PAGE_SIZE}.", "example": DEFAULT_PAGE_SIZE},
    )


def pagination_headers(page: Page) -> dict[str, str]:
    """X-Pagination (JSON) and an RFC 8288 Link header with first, prev, next and last."""
    last_page = max(page.total_pages, 1)
    previous_page = page.page - 1 if page.page > 1 else None
    next_page = page.page + 1 if page.page < page.total_pages else None
    pagination = {
        "total": page.total,
        "total_pages": page.total_pages,
        "first_page": 1,
        "last_page": last_page,
        "page": page.page,
        "previous_page": previous_page,
        "next_page": next_page,
    }
    links = {"first": 1, "prev": previous_page, "next": next_page, "last": last_page}
    link_header = ", ".join(
        f'<{_page_url(number, page.page_size)}>; rel="{rel}"'
        for rel, number in links.items()
        if number is not None
    )
    return {"X-Pagination": json.dumps(pagination), "Link": link_header}


def _page_url(number: int, page_size: int) -> str:
    args = [(key, value) for key, value in request.args.items(multi=True) if key not in ("page", "page_size")]
    args += [("page", str(number)), ("page_size", str(page_size))]
    return f"{request.path}?{urlencode(args)}"


def current_generation() -> int:
    """The content generation, read once per request: the response cache may have read it already."""
    if GENERATION_ENVIRON_KEY not in request.environ:
        request.environ[GENERATION_ENVIRON_KEY] = read_generation(db.engine)
    return request.environ[GENERATION_ENVIRON_KEY]


def etag_for(*parts: object) -> str:
    """A strong validator made from what identifies a representation, not from its bytes."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def list_etag(generation: int, args: dict, scope: object) -> str:
    """Lists change only when some content does: the content generation plus the normalized query."""
    return etag_for("list", request.path, generation, sorted(args.items()), scope)


def not_modified(etag: str, last_modified: datetime | None = None) -> Response | None:
    """A 304 when the client's copy is current, so that no query is made and nothing serialized."""
    if not request.if_none_match.contains(etag):
        return None
    response = Response(status=304)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    return response


def register_caching_headers(app: Flask) -> None:
    @app.after_request
    def caching_headers(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or response.status_code not in (200, 301, 304):
            return response
        headers = response.headers
        if response.status_code == 200 and "ETag" not in headers and not response.direct_passthrough:
            # Endpoints without a cheap validator (the index, health, the spec) hash their body.
            response.add_etag()
            response.make_conditional(request)
        # A token may show drafts: such a response must never sit in a shared cache.
        if "Authorization" in request.headers:
            headers["Cache-Control"] = "private, no-store"
        elif "Cache-Control" not in headers:
            headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        vary = headers.get("Vary")
        if not vary:
            headers["Vary"] = "Authorization"
        elif "Authorization" not in vary:
            headers["Vary"] = f"{vary}, Authorization"
        return response


def check_requests(app: Flask) -> None:
    """Refuse what no view should have to handle: bodies that are not JSON, and NUL characters."""

    @app.before_request
    def check_request() -> None:
        # No text of the service may hold NUL: PostgreSQL refuses it and SQLite's search chokes on it.
        nul = "Text may not contain NUL (\\u0000) characters."
        if "\x00" in request.path or b"%00" in request.query_string:
            abort(422, message=nul)
        if request.method not in ("POST", "PUT", "PATCH"):
            return
        if request.content_length or request.headers.get("Transfer-Encoding"):
            if not request.is_json:
                abort(415, message="Send the body as application/json.")
            body = request.get_data().lower()
            # A chunked body is read up to the limit and cut there: one that fills it is too large.
            if request.content_length is None and len(body) >= (request.max_content_length or len(body) + 1):
                abort(413, message="The body is larger than 1 MiB.")
            if b"\\u0000" in body:
                abort(422, message=nul)
            if b"\\ud" in body and _has_lone_surrogate(request.get_data()):
                abort(422, message="Text may not contain unpaired surrogates (\\ud800 to \\udfff).")


def _has_lone_surrogate(body: bytes) -> bool:
    # A JSON escape may name half a UTF-16 pair: no character, and no database stores it as text.
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False  # not JSON: the body parser answers 400
    return False
