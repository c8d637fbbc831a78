"""Search across every content type, and completions as a reader types."""

from urllib.parse import quote

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from service.domain import queries, search
from service.web.blueprint import Blueprint
from service.web.conditional import current_generation, list_etag, not_modified
from service.web.openapi import SEARCH_HEADERS, VALIDATOR_HEADERS, documented, operation
from service.web.paging import paged, pagination_headers
from service.web.paths import API_PREFIX
from service.web.schemas import ItemReferenceSchema, SearchArgsSchema

blp = Blueprint(
    "search",
    __name__,
    url_prefix=f"{API_PREFIX}/search",
    description="Ranked hits across every content type, and completions as a reader types.",
)


class Highlight(fields.Function):
    """[start, end) offsets of the matched words, in characters (Unicode code points; the same as
    JavaScript string indexes for text without characters beyond the Basic Multilingual Plane)."""

    def __init__(self, getter, of: str):
        super().__init__(
            getter,
            metadata={
                "description": f"Where the words the query found stand in `{of}`: [start, end) "
                "offsets in characters, end exclusive.",
                "type": "array",
                "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                "example": [[4, 17]],
            },
        )


class HitSchema(ItemReferenceSchema):
    snippet = fields.String(
        metadata={
            "description": "A short plain-text extract around the matched words: no Markdown, no "
            "footnote markers. Empty when only the name matched and the item has no text.",
            "example": "…drugs that block proteins which stop immune cells from attacking cancer. Two "
            "examples are pembrolizumab…",
        }
    )
    highlights = Highlight(lambda hit: [list(span) for span in hit.highlights], of="snippet")
    rank = fields.Float(
        metadata={
            "description": "Relevance: higher is better; comparable within one search.",
            "example": 1.25,
        }
    )


class SuggestionSchema(ItemReferenceSchema):
    highlights = Highlight(lambda entry: [list(span) for span in entry.highlights], of="name")


class SuggestArgsSchema(ma.Schema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "What has been typed so far; its last word may be unfinished.",
            "example": "pembro",
        },
    )


@blp.route("")
class Search(MethodView):
    @operation("searchContent")
    @paged(blp, SearchArgsSchema, HitSchema, 304, 503, headers=SEARCH_HEADERS)
    def get(self, args):
        """Search all content

        Published therapies, mechanisms, indications and FAQs matching any meaningful word of `q`,
        best first: items matching more of its words come first, then those matching them in
        their name or question. Words such as "what", "is" or "the" need not match; word forms
        match each other (`treatments`, `treatment`); a word may have typos (one from 5 letters,
        two from 9) and is then searched as corrected (`X-Did-You-Mean`); the last word also
        matches as the beginning of a word (`pembro`); synonyms find each other (`Keytruda`,
        `pembrolizumab`). A "double-quoted" run is a phrase that must appear as written.
        """
        statuses = queries.PUBLIC
        generation = current_generation("search")
        etag = list_etag(generation, args, statuses)
        if (unchanged := not_modified(etag)) is not None:
            return unchanged
        page, corrected = queries.search_all(args, statuses=statuses, search_generation=generation)
        headers = pagination_headers(page) | {"ETag": f'"{etag}"'}
        if corrected:
            headers["X-Did-You-Mean"] = quote(corrected, safe=" ")
        return page.items, headers


@blp.route("/suggest")
class Suggest(MethodView):
    @operation("suggestCompletions")
    @blp.arguments(SuggestArgsSchema, location="query")
    @blp.response(200, SuggestionSchema(many=True), headers=VALIDATOR_HEADERS)
    @documented(304, 503)
    def get(self, args):
        """Complete what is typed

        Up to 8 published names and questions that hold every word of `q`, its last word as the
        beginning of a word, best first: cheap enough to ask on every keystroke. Each carries its
        `href` and where the typed words stand in its `name`.
        """
        generation = current_generation("search")
        etag = list_etag(generation, args, queries.PUBLIC)
        if (unchanged := not_modified(etag)) is not None:
            return unchanged
        lexicon = search.lexicon(generation)
        return search.suggest(search.plan(args["q"], lexicon), lexicon), {"ETag": f'"{etag}"'}
