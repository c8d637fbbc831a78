"""The content types described once: their fields, links and order, used by every layer.

Therapies, mechanisms, indications and FAQs cite sources; sources are content too, edited on the
same path, but cite nothing, are not searched, and keep their text as it was first sent.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from service.domain.models import ContentItem, Faq, FaqTopic, Indication, Mechanism, Source, Therapy

# A list filter: (the values asked for, any of them; the statuses the reader may see) -> a WHERE
# condition.
Filter = Callable[[Sequence[str], Sequence[str]], sa.ColumnElement[bool]]


def _linked_to(relationship, linked: type[ContentItem]) -> Filter:
    """Items linked to an item with one of these slugs, if the reader may see that item."""
    return lambda slugs, statuses: relationship.any(
        sa.and_(linked.slug.in_(slugs), linked.status.in_(statuses))
    )


def _equals(column) -> Filter:
    return lambda values, _statuses: column.in_(values)


# Every kind may also be sorted by these.
COMMON_SORT_FIELDS = ("slug", "created_at", "updated_at")


@dataclass(frozen=True)
class ContentKind:
    model: type[ContentItem]
    # Fields written and read as they are (lists of strings included).
    fields: tuple[str, ...]
    # Fields written as Markdown and read as {"markdown", "html"}; stored as <name>_markdown, <name>_html.
    markdown_fields: tuple[str, ...]
    # Link fields, set by slug: field name -> the linked content type.
    links: dict[str, str]
    # Fields of its own `sort` may name (besides the common ones); the default order comes first.
    sorted_by: tuple[str, ...]
    # Query parameters that narrow a list: name -> (description, condition).
    filters: dict[str, tuple[str, Filter]] = field(default_factory=dict)
    title_field: str = "name"
    # What each optional field of `fields` is when not given (Markdown is empty, links and
    # citations none): a replacement (PUT) resets it to this. Status, slug and a FAQ's position
    # are not content: a replacement keeps them unless sent.
    field_defaults: dict[str, Any] = field(default_factory=dict)
    # Fields set once, at creation, that no change may touch, and why: a kind that has them is
    # never replaced whole (PUT), and its revisions do not copy them.
    fixed_fields: tuple[str, ...] = ()
    fixed_because: str = ""
    # What citations name (a source): it cites nothing itself, stays published while cited, and
    # its `cited_by` changes with the items citing it.
    cited: bool = False
    # Found by `/search` and by `q` on its list.
    searchable: bool = True

    @property
    def type(self) -> str:
        return sa.inspect(self.model).polymorphic_identity

    @property
    def collection(self) -> str:
        """Its URL's collection, which is its table's name: therapies, mechanisms, ..."""
        return self.model.__tablename__

    @property
    def sort_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.sorted_by, *COMMON_SORT_FIELDS)))

    @property
    def cites(self) -> bool:
        """Whether its items cite sources (`sources`): every kind but the sources themselves."""
        return not self.cited

    @property
    def replaceable(self) -> bool:
        return not self.fixed_fields

    @property
    def shown_relationships(self) -> tuple[str, ...]:
        """The relationships whose items' versions its validators include: its links, and for a
        source the items citing it (its `cited_by` counts their citations)."""
        return (*self.links, *(("citing_items",) if self.cited else ()))

    @property
    def default_sort(self) -> str:
        return self.sorted_by[0]

    @property
    def defaults(self) -> dict[str, Any]:
        """Every optional content field's value when not given."""
        cited = ("sources",) if self.cites else ()
        empty = dict.fromkeys(self.markdown_fields, "") | {name: [] for name in (*self.links, *cited)}
        return empty | self.field_defaults


THERAPY = ContentKind(
    model=Therapy,
    fields=("name", "alternate_names", "summary", "examples", "side_effects"),
    markdown_fields=("body",),
    links={"mechanisms": "mechanism", "indications": "indication", "faqs": "faq"},
    sorted_by=("name",),
    filters={
        "indication": (
            "Only therapies linked to this indication slug.",
            _linked_to(Therapy.indications, Indication),
        ),
        "mechanism": (
            "Only therapies linked to this mechanism slug.",
            _linked_to(Therapy.mechanisms, Mechanism),
        ),
    },
    field_defaults={"alternate_names": [], "examples": [], "side_effects": None},
)
MECHANISM = ContentKind(
    model=Mechanism,
    fields=("name", "alternate_names", "summary", "targets"),
    markdown_fields=("body",),
    links={"therapies": "therapy"},
    sorted_by=("name",),
    filters={"therapy": ("Only mechanisms of this therapy slug.", _linked_to(Mechanism.therapies, Therapy))},
    field_defaults={"alternate_names": [], "targets": []},
)
INDICATION = ContentKind(
    model=Indication,
    fields=("name", "alternate_names", "summary", "area", "immunotherapy_status"),
    markdown_fields=(),
    links={"therapies": "therapy", "related_indications": "indication", "faqs": "faq"},
    sorted_by=("name", "area", "immunotherapy_status"),
    filters={
        "therapy": ("Only indications of this therapy slug.", _linked_to(Indication.therapies, Therapy)),
        "area": ("Only indications of this area (cancer, autoimmune, ...).", _equals(Indication.area)),
        "immunotherapy_status": (
            "Only indications with this immunotherapy_status (approved, used, prevention, investigational).",
            _equals(Indication.immunotherapy_status),
        ),
    },
    field_defaults={"alternate_names": []},
)
FAQ = ContentKind(
    model=Faq,
    fields=("question", "topics", "position"),
    markdown_fields=("answer",),
    links={"therapies": "therapy", "indications": "indication"},
    sorted_by=("position", "question"),
    filters={
        "topic": (
            "Only FAQs with this topic.",
            lambda topics, _statuses: Faq.topic_rows.any(FaqTopic.topic.in_(topics)),
        ),
        "therapy": ("Only FAQs about this therapy slug.", _linked_to(Faq.therapies, Therapy)),
        "indication": ("Only FAQs about this indication slug.", _linked_to(Faq.indications, Indication)),
    },
    title_field="question",
    field_defaults={"topics": []},
)

SOURCE = ContentKind(
    model=Source,
    fields=("title", "url", "publisher", "author", "published_on", "retrieved_on"),
    markdown_fields=(),
    links={},
    sorted_by=("slug", "title"),
    title_field="title",
    fixed_fields=("text", "checksum"),
    fixed_because="A source's text never changes: a new edition is a new source (POST it).",
    cited=True,
    searchable=False,
)

KINDS: dict[str, ContentKind] = {kind.type: kind for kind in (THERAPY, MECHANISM, INDICATION, FAQ, SOURCE)}
SEARCHABLE_KINDS: dict[str, ContentKind] = {
    kind_type: kind for kind_type, kind in KINDS.items() if kind.searchable
}


def kind_of(item: ContentItem) -> ContentKind:
    return KINDS[item.type]


def reverse_link(kind: ContentKind, field: str) -> str:
    """The field that shows the same link from the linked item's end: a link between two items
    of one kind (related indications) is the same field at both ends."""
    return sa.inspect(kind.model).relationships[field].back_populates or field


def numbered_citations(citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Citations as written, each with its `id` (its position, from 1, when it has none) and its
    `supports` (none when left out): the form a snapshot keeps them in."""
    return [
        {"id": str(position), "supports": []}
        | {key: value for key, value in citation.items() if value is not None}
        for position, citation in enumerate(citations, start=1)
    ]


def state_value(value: Any) -> Any:
    """A field's value as a snapshot keeps it (JSON): lists copied, dates in ISO 8601."""
    if isinstance(value, list):
        return list(value)
    return value.isoformat() if isinstance(value, date) else value


def snapshot(item: ContentItem) -> dict[str, Any]:
    """The item's editable state in the shape an editor writes it; revisions keep this."""
    kind = kind_of(item)
    state: dict[str, Any] = {"slug": item.slug, "status": item.status}
    for name in kind.fields:
        state[name] = state_value(getattr(item, name))
    for name in kind.markdown_fields:
        state[name] = getattr(item, f"{name}_markdown")
    for name in kind.links:
        # Sorted, so that a snapshot does not depend on the order the links were loaded in.
        state[name] = sorted(linked.slug for linked in getattr(item, name))
    if kind.cites:
        state["sources"] = [
            {"id": c.key, "source": c.source.slug, "quote": c.quote, "supports": list(c.supports)}
            for c in item.citations
        ]
    return state
