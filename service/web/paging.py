"""Paging, in one place: the `page` and `page_size` arguments, and the X-Pagination and RFC 8288
Link headers of every list.

flask-smorest's own pagination makes the same X-Pagination header, but not the Link header, and
it would page for us only by slicing a result we fetched whole; ours pages in the query.
"""

import json
import re
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from marshmallow import fields, validate

from service.domain.queries import Page
from service.web.openapi import LIST_HEADERS, documented
from service.web.response_schema import ResponseSchema

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class QueryInteger(fields.Integer):
    """An integer in a query string, in ASCII digits: Python's int() also reads other scripts' digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


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


class PaginationMetadataSchema(ResponseSchema):
    """Where a page stands in its list: the X-Pagination header, as JSON."""

    total = fields.Integer(metadata={"description": "How many items the list holds.", "example": 22})
    total_pages = fields.Integer(
        metadata={"description": "How many pages; 0 for an empty list.", "example": 2}
    )
    first_page = fields.Integer(metadata={"description": "Always 1.", "example": 1})
    last_page = fields.Integer(metadata={"description": "The last page; 1 for an empty list.", "example": 2})
    page = fields.Integer(metadata={"description": "This page.", "example": 1})
    previous_page = fields.Integer(
        allow_none=True, metadata={"description": "The page before; null on the first.", "example": None}
    )
    next_page = fields.Integer(
        allow_none=True, metadata={"description": "The page after; null on the last.", "example": 2}
    )


_PAGINATION = PaginationMetadataSchema()


def pagination_headers(page: Page) -> dict[str, str]:
    """X-Pagination (JSON) and an RFC 8288 Link header with first, prev, next and last."""
    last_page = max(page.total_pages, 1)
    previous_page = page.page - 1 if page.page > 1 else None
    next_page = page.page + 1 if page.page < page.total_pages else None
    pagination = _PAGINATION.dump(
        {
            "total": page.total,
            "total_pages": page.total_pages,
            "first_page": 1,
            "last_page": last_page,
            "page": page.page,
            "previous_page": previous_page,
            "next_page": next_page,
        }
    )
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


def paged(
    blp, args_schema: type[ma.Schema], item_schema: type[ma.Schema], *statuses: int, headers=LIST_HEADERS
):
    """A list view's decorators: its query arguments, the page it answers (with X-Pagination and
    Link) and its other answers."""

    def decorate(view):
        view = blp.response(200, item_schema(many=True), headers=headers)(view)
        view = blp.arguments(args_schema, location="query")(view)
        return documented(*statuses)(view)

    return decorate
