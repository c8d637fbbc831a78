"""What the API reads and writes, per content type: read, create, update and query-args schemas."""

import copy

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from service.domain.content import KINDS, SEARCHABLE_KINDS, ContentKind, numbered_citations
from service.domain.models import AREAS, CONTENT_TYPES, IMMUNOTHERAPY_STATUSES, REVISION_ACTIONS, STATUSES
from service.domain.review import next_review_due
from service.web.paging import PageArgsSchema
from service.web.parameters import LIST_DESCRIPTION, CommaList
from service.web.paths import collection_href, content_href
from service.web.response_schema import OpenEnum, ResponseSchema, UrlPath
from service.web.selection import SELECTION_DESCRIPTION, FieldSelection, selection_schema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CITATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
MAX_TEXT = 100_000
# A source's text: a long document, well within the 1 MiB a body may have.
MAX_SOURCE_TEXT = 500_000
MAX_LIST = 100
MAX_CHANGE_NOTE = 1000
IMMUNOTHERAPY_STATUS_DESCRIPTION = (
    "What the sources say: `approved` (approved to treat it), `used` (used to treat it, no approval "
    "stated), `prevention` (used to prevent it, as HPV vaccines for cervical cancer) or "
    "`investigational` (still being explored). An open list: clients must tolerate new values."
)


def _doc(description: str, example=None) -> dict:
    return {"description": description} | ({"example": example} if example is not None else {})


class FullMatch(validate.Regexp):
    """A pattern the whole value must match: `re.match` lets `$` match before a final newline, and a
    slug or a name ending in one would break the headers it is sent in."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


def slug_field(**kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=120), FullMatch(SLUG_PATTERN, error="Not a valid slug.")],
        **kwargs,
    )


# --- Reading -------------------------------------------------------------------------------------

EXAMPLE_TIME = "2026-11-23T09:30:00+00:00"


class LinkSchema(ResponseSchema):
    """A linked item, named so that no second request is needed to show it."""

    slug = fields.String(metadata=_doc("The linked item's slug.", "checkpoint-blockade"))
    name = fields.String(attribute="title", metadata=_doc("The linked item's name.", "Checkpoint blockade"))
    href = UrlPath(content_href, "Its URL path.", "/api/v1/mechanisms/checkpoint-blockade")


SUPPORTS_DESCRIPTION = (
    "The claims the quote backs: field names (`summary`, `body`, `answer`, `area`, "
    "`immunotherapy_status`) or `field:entry` for one list entry or one link (`side_effects:fatigue`, "
    "`targets:PD-1`, `indications:melanoma`)."
)


class CitationSchema(ResponseSchema):
    """A passage of a source document that the item rests on, and the claims it backs."""

    id = fields.String(
        attribute="key",
        metadata=_doc("The citation's id within its item; footnote markers [^id] name it.", "c1"),
    )
    source = fields.String(attribute="source.slug", metadata=_doc("The source's slug.", "immunotherapy-use"))
    href = UrlPath(
        lambda citation: f"{collection_href('sources')}/{citation.source.slug}",
        "The source's URL path.",
        "/api/v1/sources/immunotherapy-use",
    )
    quote = fields.String(
        metadata=_doc(
            "An exact passage of the source's cleaned text.",
            "Immune checkpoint inhibitors are among the most well-known.",
        )
    )
    supports = fields.List(fields.String(), metadata=_doc(SUPPORTS_DESCRIPTION, ["summary", "body"]))


class UnsupportedClaimSchema(ResponseSchema):
    """A claim of an unpublished version that its citations do not back yet."""

    claim = fields.String(metadata=_doc("The claim, named as `supports` names it.", "side_effects:fatigue"))
    problem = fields.String(metadata=_doc("What it lacks.", "No citation supports `side_effects:fatigue`."))


class MarkdownSchema(ResponseSchema):
    """Text written as Markdown and served with its sanitized HTML."""

    markdown = fields.String(
        metadata=_doc(
            "The text as the editor wrote it (Markdown).",
            "Checkpoint inhibitors free immune cells to attack cancer.[^c1]",
        )
    )
    html = fields.String(
        metadata=_doc(
            "The Markdown rendered to sanitized HTML.",
            '<p>Checkpoint inhibitors free immune cells to attack cancer.<sup class="footnote-ref">'
            '<a href="#fn-therapy-checkpoint-inhibitors-1">1</a></sup></p>',
        )
    )


def _date_or_null(value) -> str | None:
    return value.isoformat() if value is not None else None


class ReviewSchema(ResponseSchema):
    """When the public version was last reviewed, by whom, and when it is due again."""

    last_reviewed_on = fields.Function(
        lambda item: _date_or_null(item.reviewed_at and item.reviewed_at.date()),
        metadata=_doc(
            "The day of the last review (an approval or a re-confirmation); null if none.", "2026-11-23"
        )
        | {"type": ["string", "null"], "format": "date"},
    )
    reviewed_by = fields.String(
        allow_none=True, metadata=_doc("The person who reviewed it, or `seed`; null if no one has.", "ann")
    )
    next_review_due = fields.Function(
        lambda item: _date_or_null(
            next_review_due(item.reviewed_at, current_app.config["SETTINGS"].review_interval_months)
        ),
        metadata=_doc("The day it is due to be reviewed again; null if it never was.", "2027-11-23")
        | {"type": ["string", "null"], "format": "date"},
    )


STATUS_DESCRIPTION = (
    "draft, in_review, published or archived; with `?preview=true`, the latest version's. An open "
    "list: clients must tolerate new values."
)


class ContentItemSchema(ResponseSchema):
    slug = fields.String(metadata=_doc("The item's id in URLs.", "checkpoint-inhibitors"))
    status = OpenEnum("ContentStatus", STATUSES, metadata=_doc(STATUS_DESCRIPTION, "published"))
    version = fields.Integer(metadata=_doc("1 at creation, +1 on every change.", 1))
    published_version = fields.Function(
        lambda item: getattr(item, "public_version", item.version if item.status == "published" else None),
        metadata=_doc("The version the public sees; null while none is published.", 1)
        | {"type": ["integer", "null"]},
    )
    review = fields.Nested(ReviewSchema, attribute="review_record", metadata=_doc("Its review dates."))
    created_at = fields.DateTime(metadata=_doc("When the item was created (ISO 8601, UTC).", EXAMPLE_TIME))
    updated_at = fields.DateTime(metadata=_doc("When the item last changed (ISO 8601, UTC).", EXAMPLE_TIME))
    published_at = fields.DateTime(
        allow_none=True,
        metadata=_doc("When the item was first published; null for a draft never published.", EXAMPLE_TIME),
    )
    href = UrlPath(content_href, "The item's URL path.", "/api/v1/therapies/checkpoint-inhibitors")
    sources = fields.List(
        fields.Nested(CitationSchema),
        attribute="citations",
        metadata=_doc("Citations of the source documents."),
    )
    unsupported_claims = fields.List(
        fields.Nested(UnsupportedClaimSchema),
        metadata=_doc(
            "What the item's citations did not back at its last change; publishing needs it empty, "
            "so it is always empty on a published item.",
            [],
        ),
    )


def _linked(description: str) -> fields.List:
    return fields.List(fields.Nested(LinkSchema), metadata=_doc(description))


def _alternate_names() -> fields.List:
    return fields.List(fields.String(), metadata=_doc("Other names it goes by.", ["checkpoint inhibitors"]))


SUMMARY_EXAMPLE = (
    "Among the best-known kinds of immunotherapy. These drugs free immune cells to attack cancer."
)


def _summary() -> fields.String:
    return fields.String(metadata=_doc("A plain-text summary.", SUMMARY_EXAMPLE))


class TherapySchema(ContentItemSchema):
    name = fields.String(metadata=_doc("The kind of immunotherapy.", "Checkpoint inhibitors"))
    alternate_names = _alternate_names()
    summary = _summary()
    body = fields.Nested(MarkdownSchema, metadata=_doc("The full description."))
    examples = fields.List(fields.String(), metadata=_doc("Named drugs or products.", ["pembrolizumab"]))
    side_effects = fields.List(
        fields.String(),
        allow_none=True,
        metadata=_doc(
            "Side effects the sources name for this kind of therapy; null where they say nothing of "
            "it (unknown), [] only where they say there are none.",
            ["fatigue", "rash"],
        ),
    )
    mechanisms = _linked("How the therapy acts.")
    indications = _linked("What the therapy is used or studied for.")
    faqs = _linked("FAQs about the therapy.")


class MechanismSchema(ContentItemSchema):
    name = fields.String(metadata=_doc("The mechanism.", "Immune checkpoint blockade"))
    alternate_names = _alternate_names()
    summary = _summary()
    body = fields.Nested(MarkdownSchema, metadata=_doc("The full description."))
    targets = fields.List(fields.String(), metadata=_doc("Molecular targets.", ["PD-1", "CTLA-4"]))
    therapies = _linked("Therapies that act this way.")


class IndicationSchema(ContentItemSchema):
    name = fields.String(metadata=_doc("The disease or condition.", "Melanoma"))
    alternate_names = _alternate_names()
    summary = _summary()
    # A closed list: a new area would be a new version of the API.
    area = fields.String(metadata=_doc(f"One of {', '.join(AREAS)}.", "cancer") | {"enum": list(AREAS)})
    immunotherapy_status = OpenEnum(
        "ImmunotherapyStatus",
        IMMUNOTHERAPY_STATUSES,
        metadata=_doc(IMMUNOTHERAPY_STATUS_DESCRIPTION, "approved"),
    )
    therapies = _linked("Therapies used or studied for it.")
    related_indications = _linked("Related diseases or conditions (a link both ways).")
    faqs = _linked("FAQs about it.")


class FaqSchema(ContentItemSchema):
    question = fields.String(metadata=_doc("The question.", "What is immunotherapy?"))
    answer = fields.Nested(MarkdownSchema, metadata=_doc("The answer."))
    topics = fields.List(fields.String(), metadata=_doc("Topics, for filtering.", ["basics"]))
    therapies = _linked("Therapies the answer is about.")
    indications = _linked("Diseases or conditions the answer is about.")
    position = fields.Integer(metadata=_doc("The FAQ's place in the default order.", 1))


class SourceSchema(ContentItemSchema):
    """A source document: what quotes are checked against. It cites nothing itself."""

    class Meta:
        exclude = ("sources", "unsupported_claims")

    title = fields.String(
        metadata=_doc(
            "The document's own title, or where it has none that is not noise, a plain description of it.",
            "How immunotherapy works, and the main types of immunotherapy",
        )
    )
    text = fields.String(
        metadata=_doc(
            "The text that every quote is checked against; it never changes.",
            "Immunotherapy has emerged as a groundbreaking approach in the fight against cancer.",
        )
    )
    url = fields.String(
        allow_none=True,
        metadata=_doc("Where the document was published; null if unknown.", "https://example.org/paper"),
    )
    publisher = fields.String(
        allow_none=True, metadata=_doc("Who published it; null if unknown.", "Example Press")
    )
    author = fields.String(allow_none=True, metadata=_doc("Who wrote it; null if unknown.", "A. Author"))
    published_on = fields.Date(
        allow_none=True, metadata=_doc("When it was published; null if unknown.", "2024-05-01")
    )
    retrieved_on = fields.Date(
        allow_none=True, metadata=_doc("When it was retrieved; null if unknown.", "2026-11-01")
    )
    checksum = fields.String(
        metadata=_doc(
            "sha256, in hex, of the text as it was sent (UTF-8); of the original file, for the "
            "documents the service was seeded with.",
            "3a169a1ee628d0d3288d58e261dfefd3a707f76d5a7b8156cdd2c465ffff3715",
        )
    )
    cited_by = fields.Integer(metadata=_doc("How many citations of published items quote this source.", 27))


REVISION_ACTION_DESCRIPTION = (
    f"What the change did: {', '.join(REVISION_ACTIONS)}. An open list: clients must tolerate new values."
)


class RevisionSchema(ResponseSchema):
    """One change of an item."""

    version = fields.Integer(metadata=_doc("The item's version after the change.", 2))
    action = OpenEnum(
        "RevisionAction", REVISION_ACTIONS, metadata=_doc(REVISION_ACTION_DESCRIPTION, "updated")
    )
    status = OpenEnum(
        "ContentStatus", STATUSES, metadata=_doc("The item's status after the change.", "published")
    )
    slug = fields.String(metadata=_doc("The item's slug after the change.", "checkpoint-inhibitors"))
    author = fields.String(
        metadata=_doc("The name of the token that made the change, or `seed`.", "editor-ann")
    )
    note = fields.String(
        allow_none=True,
        metadata=_doc(
            "Why the change was made (X-Change-Note or change_note); null if not said.", "Fixed a typo."
        ),
    )
    time = fields.DateTime(
        attribute="created_at", metadata=_doc("When the change was made (ISO 8601, UTC).", EXAMPLE_TIME)
    )


class RevisionDetailSchema(RevisionSchema):
    # The shape of the kind's create body, with values of any JSON type: typed as a JSON object.
    snapshot = fields.Dict(
        keys=fields.String(),
        metadata=_doc(
            "The item as it was after the change, in the shape an editor writes it (links by slug): "
            "the fields of its kind's create body.",
            {"slug": "checkpoint-inhibitors", "name": "Checkpoint inhibitors", "status": "published"},
        )
        | {"additionalProperties": True},
    )


# --- Writing -------------------------------------------------------------------------------------


class CitationInSchema(ma.Schema):
    id = fields.String(
        validate=FullMatch(CITATION_ID_PATTERN, error="Not a valid citation id: letters, digits, - and _."),
        metadata=_doc(
            "An id for footnote markers [^id] to name; the citation's position (1, 2, ...) if left out.", "c1"
        ),
    )
    source = slug_field(required=True, metadata=_doc("The slug of a source document.", "immunotherapy-use"))
    quote = fields.String(
        required=True,
        validate=validate.Length(min=20, max=5000),
        metadata=_doc(
            "An exact passage (20 characters or more) of that source's cleaned text.",
            "Immune checkpoint inhibitors are among the most well-known.",
        ),
    )
    href = fields.String(
        validate=validate.Length(max=300),
        metadata=_doc(
            "Ignored: it is made from `source`. Taken so that a citation read can be sent back as it is.",
            "/api/v1/sources/immunotherapy-use",
        ),
    )
    supports = fields.List(
        fields.String(validate=validate.Length(min=1, max=400)),
        validate=validate.Length(max=MAX_LIST),
        metadata=_doc(SUPPORTS_DESCRIPTION, ["summary", "indications:melanoma"]),
    )


class CitationList(fields.List):
    """Citations as written: each with its id (its position, from 1, when it has none) and its
    `supports` (none when left out), and no id twice."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(CitationInSchema), validate=validate.Length(max=MAX_LIST), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        sent = super()._deserialize(value, attr, data, **kwargs)
        citations = numbered_citations([{k: v for k, v in c.items() if k != "href"} for c in sent])
        ids = [citation["id"] for citation in citations]
        if repeated := sorted({key for key in ids if ids.count(key) > 1}):
            raise ma.ValidationError(f"Each citation needs its own id; repeated: {', '.join(repeated)}.")
        return citations


def _strings(description: str, example=None, *, allow_none: bool = False) -> fields.List:
    item = fields.String(validate=validate.Length(min=1, max=300))
    return fields.List(
        item,
        allow_none=allow_none,
        validate=validate.Length(max=MAX_LIST),
        metadata=_doc(description, example),
    )


def _links(description: str, example=None) -> fields.List:
    return fields.List(
        slug_field(), validate=validate.Length(max=MAX_LIST), metadata=_doc(description, example)
    )


def _text(
    description: str, example: str, *, required: bool = False, max_length: int = MAX_TEXT
) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=1, max=max_length),
        metadata=_doc(description, example),
    )


CHANGE_NOTE_EXAMPLE = "Cited the FDA label."


class ContentWriteSchema(ma.Schema):
    slug = slug_field(
        metadata=_doc(
            "Made from the name when left out; changing it keeps the old one as a redirect.",
            "checkpoint-inhibitors",
        )
    )
    status = fields.String(
        validate=validate.OneOf(("draft", "published", "archived")),
        metadata=_doc(
            "draft (the default on creation) or archived (withdrawn at once). Publishing is a "
            "reviewer's approval (POST {item}/approve): `published` here is refused (403).",
            "draft",
        ),
    )
    sources = CitationList(metadata=_doc("Citations; replaces the list."))
    change_note = fields.String(
        load_only=True,
        validate=validate.Length(max=MAX_CHANGE_NOTE),
        metadata=_doc(
            "Why the change was made; kept with the revision (or send X-Change-Note).", CHANGE_NOTE_EXAMPLE
        ),
    )


def _name(description: str, example: str) -> fields.String:
    return _text(description, example, required=True, max_length=200)


SUMMARY_IN_EXAMPLE = "Drugs that free immune cells to attack cancer."


class SummarizedWriteSchema(ContentWriteSchema):
    """What therapies, mechanisms and indications share: a name (each kind describes its own) and
    a summary, both required."""

    name = _name("The item's name.", "Checkpoint inhibitors")
    alternate_names = _strings("Other names it goes by; replaces the list.", ["checkpoint inhibitors"])
    summary = _text("A plain-text summary.", SUMMARY_IN_EXAMPLE, required=True, max_length=2000)


BODY_DESCRIPTION = "The full description, in Markdown."
BODY_EXAMPLE = "Checkpoint inhibitors free immune cells to attack cancer.[^c1]"


class TherapyCreateSchema(SummarizedWriteSchema):
    name = _name("The kind of immunotherapy.", "Checkpoint inhibitors")
    body = _text(BODY_DESCRIPTION, BODY_EXAMPLE)
    examples = _strings("Named drugs or products; replaces the list.", ["pembrolizumab"])
    side_effects = _strings(
        "Side effects; replaces the list. null: the sources say nothing of them; []: none.",
        ["fatigue", "rash"],
        allow_none=True,
    )
    mechanisms = _links("Mechanism slugs; replaces the list.", ["checkpoint-blockade"])
    indications = _links("Indication slugs; replaces the list.", ["melanoma"])
    faqs = _links("FAQ slugs; replaces the list.", ["what-are-checkpoint-inhibitors"])


class MechanismCreateSchema(SummarizedWriteSchema):
    name = _name("The mechanism.", "Checkpoint blockade")
    body = _text(BODY_DESCRIPTION, "Checkpoint blockade releases a brake on T cells.[^c1]")
    targets = _strings("Molecular targets; replaces the list.", ["PD-1"])
    therapies = _links("Therapy slugs; replaces the list.", ["checkpoint-inhibitors"])


class IndicationCreateSchema(SummarizedWriteSchema):
    name = _name("The disease or condition.", "Melanoma")
    area = fields.String(
        required=True, validate=validate.OneOf(AREAS), metadata=_doc("The medical area.", "cancer")
    )
    immunotherapy_status = fields.String(
        required=True,
        validate=validate.OneOf(IMMUNOTHERAPY_STATUSES),
        metadata=_doc(IMMUNOTHERAPY_STATUS_DESCRIPTION, "approved"),
    )
    therapies = _links("Therapy slugs; replaces the list.", ["checkpoint-inhibitors"])
    related_indications = _links(
        "Slugs of related indications; replaces the list (each link shows at both ends).",
        ["multiple-sclerosis"],
    )
    faqs = _links("FAQ slugs; replaces the list.", ["which-cancers-does-immunotherapy-treat"])


class FaqCreateSchema(ContentWriteSchema):
    question = _text("The question.", "What is immunotherapy?", required=True, max_length=500)
    answer = _text(
        "The answer, in Markdown.",
        "A treatment that helps the immune system fight disease.[^c1]",
        required=True,
    )
    topics = _strings("Topics; replaces the list.", ["basics"])
    therapies = _links("Therapy slugs; replaces the list.", ["checkpoint-inhibitors"])
    indications = _links("Indication slugs; replaces the list.", ["melanoma"])
    position = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata=_doc("The place in the default order.", 1),
    )


def _unknown_or(description: str, example: str, *, max_length: int = 300) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=max_length),
        metadata=_doc(description, example),
    )


def _date(description: str, example: str) -> fields.Date:
    return fields.Date(
        allow_none=True, metadata=_doc(f"{description} (YYYY-MM-DD); null if unknown.", example)
    )


class SourceCreateSchema(ContentWriteSchema):
    class Meta:
        exclude = ("sources",)

    slug = slug_field(
        metadata=_doc(
            "Made from the title when left out; changing it keeps the old one as a redirect.",
            "immunotherapy-use",
        )
    )
    title = _text(
        "The document's title, or a plain description of it.",
        "Immunotherapy against cancer: how it works, its types and its challenges",
        required=True,
        max_length=300,
    )
    text = _text(
        "The text that quotes are checked against, stored as sent; it never changes afterwards.",
        "Immune checkpoint inhibitors are among the most well-known.",
        required=True,
        max_length=MAX_SOURCE_TEXT,
    )
    url = fields.Url(
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
        metadata=_doc("Where the document was published; null if unknown.", "https://example.org/paper"),
    )
    publisher = _unknown_or("Who published it; null if unknown.", "Example Press")
    author = _unknown_or("Who wrote it; null if unknown.", "A. Author")
    published_on = _date("When it was published", "2024-05-01")
    retrieved_on = _date("When it was retrieved", "2026-11-01")


class UpdateSchema(ma.Schema):
    """A change's body: only what changes. A field its kind never changes is refused, with why."""

    kind: ContentKind

    @ma.pre_load
    def refuse_what_never_changes(self, data, **_kwargs):
        sent = [name for name in self.kind.fixed_fields if isinstance(data, dict) and name in data]
        if sent:
            raise ma.ValidationError({name: [self.kind.fixed_because] for name in sent})
        return data


def update_schema(kind: ContentKind) -> type[ma.Schema]:
    """The fields of the kind's create schema, none required: a PATCH sends only what changes."""
    create_schema = CREATE_SCHEMAS[kind.type]
    optional = {}
    for field_name, field in create_schema().fields.items():
        if field_name in kind.fixed_fields:
            continue
        field = copy.copy(field)
        field.required = False
        optional[field_name] = field
    schema = UpdateSchema.from_dict(optional, name=create_schema.__name__.replace("Create", "Update"))
    schema.kind = kind
    return schema


CREATE_SCHEMAS = {
    "therapy": TherapyCreateSchema,
    "mechanism": MechanismCreateSchema,
    "indication": IndicationCreateSchema,
    "faq": FaqCreateSchema,
    "source": SourceCreateSchema,
}
UPDATE_SCHEMAS = {kind_type: update_schema(kind) for kind_type, kind in KINDS.items()}
READ_SCHEMAS = {
    "therapy": TherapySchema,
    "mechanism": MechanismSchema,
    "indication": IndicationSchema,
    "faq": FaqSchema,
    "source": SourceSchema,
}
assert set(CREATE_SCHEMAS) == set(READ_SCHEMAS) == set(KINDS)


CONTENT_TYPE_DESCRIPTION = (
    f"The content type: {', '.join(CONTENT_TYPES)}. An open list: clients must tolerate new values."
)


def content_type_field(**kwargs) -> OpenEnum:
    return OpenEnum(
        "ContentType", CONTENT_TYPES, metadata=_doc(CONTENT_TYPE_DESCRIPTION, "therapy"), **kwargs
    )


class ItemReferenceSchema(ResponseSchema):
    """The item an entry is about (its `item`): its type, slug, name and URL path."""

    type = content_type_field(attribute="item.type")
    slug = fields.String(attribute="item.slug", metadata=_doc("The item's slug.", "checkpoint-inhibitors"))
    name = fields.String(
        attribute="item.title",
        metadata=_doc("Its name, or a FAQ's question.", "Immune checkpoint inhibitors"),
    )
    href = UrlPath(
        lambda entry: content_href(entry.item), "Its URL path.", "/api/v1/therapies/checkpoint-inhibitors"
    )


DUE_REASONS = ("in_review", "review_overdue")


class DueSchema(ItemReferenceSchema):
    """An item that waits for a reviewer, and why."""

    reason = OpenEnum(
        "DueReason",
        DUE_REASONS,
        metadata=_doc(
            "`in_review`: a change waits for approval; `review_overdue`: the published version is due "
            "to be reviewed again. An open list: clients must tolerate new values.",
            "in_review",
        ),
    )
    since = fields.DateTime(
        metadata=_doc("Since when it waits: when it was submitted, or the day it fell due.", EXAMPLE_TIME)
    )


# --- Query arguments -----------------------------------------------------------------------------


class PreviewArgsSchema(ma.Schema):
    preview = fields.Boolean(
        metadata=_doc(
            "With a token: the latest version, a change waiting for review included, and the ETag "
            "that If-Match takes. Default false: the published version.",
            True,
        )
    )


class ChangeNoteHeaderSchema(ma.Schema):
    """The note a write keeps with its revision, sent as a header."""

    note = fields.String(
        data_key="X-Change-Note",
        validate=validate.Length(max=MAX_CHANGE_NOTE),
        metadata=_doc(
            "Why the change was made, kept with the revision (a body's `change_note` wins over it). "
            "Rejecting a change needs one.",
            CHANGE_NOTE_EXAMPLE,
        ),
    )


def _selection(kind: ContentKind) -> FieldSelection:
    example = ["slug", kind.title_field]
    return FieldSelection(READ_SCHEMAS[kind.type], metadata=_doc(SELECTION_DESCRIPTION, example))


def item_query_schema(kind: ContentKind) -> type[ma.Schema]:
    """An item's read: `preview` and `fields`."""
    return PreviewArgsSchema.from_dict(
        {"fields": _selection(kind)}, name=f"{kind.type.capitalize()}QueryArgs"
    )


class ListArgsSchema(PageArgsSchema):
    """A collection's arguments: paging, and at most a page of slugs (`slug=a,b`)."""

    @ma.validates_schema
    def slugs_fit_a_page(self, data, **_kwargs):
        if len(data.get("slug", ())) > data["page_size"]:
            raise ma.ValidationError(
                f"At most page_size ({data['page_size']}) slugs: ask for more in several requests, "
                "or raise page_size (up to 100).",
                "slug",
            )


class SearchArgsSchema(PageArgsSchema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata=_doc(
            'Words to find, as typed: a question, a name, the start of a word; "double quotes" keep '
            "a phrase together.",
            "does immunotherapy cause side effects",
        ),
    )
    type = CommaList(
        fields.String(validate=validate.OneOf(sorted(SEARCHABLE_KINDS))),
        metadata=_doc(f"Only hits of this content type. {LIST_DESCRIPTION}", ["therapy"]),
    )


def query_schema(kind: ContentKind) -> type[ma.Schema]:
    """Paging, the kind's filters, `slug`, `q`, `sort` and `fields`.

    An unknown filter value finds nothing; a malformed parameter is a 422.
    """
    sort_values = [*kind.sort_fields, *(f"-{name}" for name in kind.sort_fields)]
    args: dict[str, fields.Field] = {
        name: CommaList(
            fields.String(validate=validate.Length(min=1, max=200)),
            metadata=_doc(f"{description} {LIST_DESCRIPTION}"),
        )
        for name, (description, _condition) in kind.filters.items()
    }
    args["slug"] = CommaList(
        slug_field(),
        metadata=_doc(
            f"Only the {kind.collection} with these slugs, in the list's order: several items in one "
            "request. At most `page_size` of them (422 past it); a slug that names none is left out.",
            ["checkpoint-inhibitors"],
        ),
    )
    if kind.searchable:
        args["q"] = fields.String(
            validate=validate.Length(min=1, max=500),
            metadata=_doc(
                "Search, as `/api/v1/search` does; the best matches come first unless `sort` says otherwise.",
                "PD-1",
            ),
        )
    args["status"] = CommaList(
        fields.String(validate=validate.OneOf([*STATUSES, "any"])),
        metadata=_doc(
            "With a token only: list drafts, items in review, archived items or any status. Default "
            f"published. {LIST_DESCRIPTION}"
        ),
    )
    args["sort"] = fields.String(
        validate=validate.OneOf(sort_values),
        metadata=_doc(f"A field to order by, `-` in front for descending; default `{kind.default_sort}`."),
    )
    args["fields"] = _selection(kind)
    name = kind.collection.capitalize() + "QueryArgs"
    return ListArgsSchema.from_dict(args, name=name)


QUERY_SCHEMAS = {kind_type: query_schema(kind) for kind_type, kind in KINDS.items()}
ITEM_QUERY_SCHEMAS = {kind_type: item_query_schema(kind) for kind_type, kind in KINDS.items()}
# The selected representations (`fields=`): TherapyFields, MechanismFields, ...
SELECTION_SCHEMAS = {kind_type: selection_schema(schema) for kind_type, schema in READ_SCHEMAS.items()}
