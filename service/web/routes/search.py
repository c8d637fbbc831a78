"""Search across every content type."""

from flask.views import MethodView
from marshmallow import fields

from service.domain import queries
from service.web.blueprint import Blueprint
from service.web.conditional import current_generation, list_etag, not_modified
from service.web.paging import paged, pagination_headers
from service.web.paths import API_PREFIX
from service.web.schemas import ItemReferenceSchema, SearchArgsSchema

blp = Blueprint(
    "search",
    __name__,
    url_prefix=f"{API_PREFIX}/search",
    description="Ranked hits across every content type.",
)


class HitSchema(ItemReferenceSchema):
    snippet = fields.String(metadata={"description": "A short plain-text extract around the match."})
    rank = fields.Float(
        metadata={"description": "Relevance: higher is better; comparable within one search."}
    )


@blp.route("")
class Search(MethodView):
    @paged(blp, SearchArgsSchema, HitSchema, 304, 503)
    def get(self, args):
        """Search all content

        Published therapies, mechanisms, indications and FAQs matching every word of `q`
        (a "double-quoted" run is a phrase), best first. Punctuation is part of the words:
        `PD-1`, `HER2-positive`.
        """
        statuses = queries.PUBLIC
        etag = list_etag(current_generation(), args, statuses)
        if (unchanged := not_modified(etag)) is not None:
            return unchanged
        page = queries.search_all(args, statuses=statuses)
        return page.items, pagination_headers(page) | {"ETag": f'"{etag}"'}
