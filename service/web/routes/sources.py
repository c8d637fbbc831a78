"""Routes of the source documents the content was drawn from (read-only)."""

from flask.views import MethodView
from flask_smorest import abort

from service.domain import queries
from service.web.blueprint import Blueprint
from service.web.openapi import VALIDATOR_HEADERS, documented
from service.web.paging import PageArgsSchema, paged, pagination_headers
from service.web.paths import collection_href
from service.web.schemas import SourceSchema

blp = Blueprint(
    "sources",
    __name__,
    url_prefix=collection_href("sources"),
    description="The source documents, with the cleaned text that every quote is checked against.",
)


@blp.route("")
class Sources(MethodView):
    @paged(blp, PageArgsSchema, SourceSchema, 304, 503)
    def get(self, args):
        """List the source documents

        Ordered by slug; each with how many published items cite it.
        """
        page = queries.list_sources(page=args["page"], page_size=args["page_size"])
        return page.items, pagination_headers(page)


@blp.route("/<slug>")
class SourceItem(MethodView):
    @documented(304, 404, 503)
    @blp.response(200, SourceSchema, headers=VALIDATOR_HEADERS)
    def get(self, slug):
        """Get one source document

        Its title, the sha256 of the original file and the cleaned text.
        """
        source = queries.find_source(slug)
        if source is None:
            abort(404, message=f"No source has the slug '{slug}'.")
        return source
