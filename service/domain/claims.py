"""Claims and the citations that back them: what an item must have supported before it is public.

A citation's `supports` names the claims its quote backs: a field (`summary`, `area`, ...) or
`field:entry` for one entry of a list (`side_effects:fatigue`) or one link (`indications:melanoma`).
An item may be published only when:
- its summary, area and immunotherapy status are each backed by a citation, and "approved" by a
  passage that says so (a form of "approve");
- every entry of its lists is backed by a citation whose quote contains the entry;
- every link to a published item is backed at one of its two ends by a citation whose quote
  mentions the other item's name or one of its alternate names;
- every paragraph of its Markdown carries a footnote marker `[^id]` naming one of its citations.
"""

import re
from collections.abc import Iterable

import sqlalchemy as sa
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from service.domain.content import ContentKind, kind_of, reverse_link
from service.domain.db import db
from service.domain.models import Citation, ContentItem, SlugRedirect

# Fields that a citation must back as a whole, and lists whose every entry it must back.
WHOLE_CLAIMS = ("summary", "area", "immunotherapy_status")
LIST_CLAIMS = ("examples", "side_effects", "targets")
# Fields a citation may also say it backs, though nothing requires it.
MARKDOWN_CLAIMS = ("body", "answer")

MARKER = re.compile(r"\[\^([^\]\s]+)\]")
FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:", re.MULTILINE)
_APPROVAL = re.compile(r"\bapprov", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Blocks that state nothing: thematic breaks.
_NOT_A_STATEMENT = re.compile(r"^[-*_]{3,}$")
# Markers as Markdown reads them: not in a code span, not in a link's address.
_footnotes = MarkdownIt("commonmark", {"html": False}).use(footnote_plugin)


def claimable(kind: ContentKind) -> tuple[set[str], set[str]]:
    """What `supports` may name on this kind: whole fields, and fields taken entry by entry."""
    fields = {*kind.fields, *kind.markdown_fields}
    whole = {name for name in (*WHOLE_CLAIMS, *MARKDOWN_CLAIMS) if name in fields}
    by_entry = {name for name in LIST_CLAIMS if name in fields} | set(kind.links)
    return whole, by_entry


def support_errors(kind: ContentKind, supports: Iterable[str]) -> list[str]:
    """Why a citation's `supports` names something this kind does not have, if it does."""
    whole, by_entry = claimable(kind)
    errors = []
    for claim in supports:
        field, _, entry = claim.partition(":")
        if field in by_entry and entry.strip():
            continue
        if field in whole and claim == field:
            continue
        known = ", ".join(sorted(whole)) + "; " + ", ".join(f"{name}:<entry>" for name in sorted(by_entry))
        errors.append(f"A {kind.type} has no claim {claim!r}; it may name {known}.")
    return errors


def normalized(text: str) -> str:
    """Text as compared for mentions: case, hyphens and curly apostrophes do not count."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(text.split())


def mentions(quote: str, text: str) -> bool:
    return normalized(text) in normalized(quote)


def names_of(item: ContentItem) -> list[str]:
    return [item.title, *(getattr(item, "alternate_names", None) or [])]


def paragraphs(markdown: str) -> list[str]:
    """Every block between blank lines that states something, lists included."""
    blocks = (block.strip() for block in _BLANK_LINE.split(markdown))
    return [block for block in blocks if block and not _NOT_A_STATEMENT.match(block)]


def unsupported_claims(item: ContentItem) -> dict[str, list[str]]:
    """Each claim of the item that its citations (or, for a link, the linked item's) do not back,
    with why."""
    kind = kind_of(item)
    problems: dict[str, list[str]] = {}

    def lacks(claim: str, problem: str) -> None:
        problems.setdefault(claim, []).append(problem)

    def backing(claim: str) -> list[Citation]:
        return [citation for citation in item.citations if claim in citation.supports]

    for field in WHOLE_CLAIMS:
        if field in kind.fields and not backing(field):
            lacks(field, f"No citation supports the {field}.")
    if getattr(item, "immunotherapy_status", None) == "approved":
        backers = backing("immunotherapy_status")
        if backers and not any(_APPROVAL.search(citation.quote) for citation in backers):
            lacks(
                "immunotherapy_status",
                '"approved" needs a supporting passage that says so (a form of "approve").',
            )
    for field in LIST_CLAIMS:
        if field not in kind.fields:
            continue
        for entry in getattr(item, field) or []:
            claim = f"{field}:{entry}"
            backers = backing(claim)
            if not backers:
                lacks(claim, f"No citation supports the entry {entry!r}.")
            elif not any(mentions(citation.quote, entry) for citation in backers):
                lacks(claim, f"No citation that supports the entry {entry!r} contains it.")
    for field in kind.links:
        reverse = reverse_link(kind, field)
        for linked in getattr(item, field):
            # A link to an unpublished item is not public; publishing that item checks it.
            if linked.status != "published":
                continue
            if not (_backs_link(item, field, linked) or _backs_link(linked, reverse, item)):
                claim = f"{field}:{linked.slug}"
                lacks(
                    claim,
                    f"No citation supporting {claim!r} here, nor one supporting '{reverse}:{item.slug}' "
                    f"on the {linked.type} {linked.slug!r}, mentions the other item's name.",
                )
    keys = {citation.key for citation in item.citations}
    for field in kind.markdown_fields:
        markdown = getattr(item, f"{field}_markdown") or ""
        for number, paragraph in enumerate(paragraphs(markdown), start=1):
            markers = MARKER.findall(paragraph)
            if not rendered_markers(paragraph, keys):
                lacks(
                    field, f"Paragraph {number} carries no footnote marker [^id] naming one of its citations."
                )
            for marker in sorted(set(markers) - keys):
                lacks(field, f"The marker [^{marker}] in paragraph {number} names no citation.")
    return problems


def _backs_link(item: ContentItem, field: str, linked: ContentItem) -> bool:
    names = names_of(linked)
    backers = [citation for citation in item.citations if any(mentions(citation.quote, n) for n in names)]
    claims = {claim for citation in backers for claim in citation.supports}
    if f"{field}:{linked.slug}" in claims:
        return True
    # A citation written before the linked item was renamed names it by an old slug.
    return bool(backers) and any(f"{field}:{slug}" in claims for slug in _old_slugs(linked))


def _old_slugs(item: ContentItem) -> list[str]:
    if item.id is None:
        return []
    return list(db.session.scalars(sa.select(SlugRedirect.old_slug).where(SlugRedirect.item_id == item.id)))


def rendered_markers(block: str, keys: set[str]) -> list[str]:
    """The markers of a block that render as footnote links to these citations."""
    definitions = "\n".join(f"[^{key}]: -" for key in sorted(keys))
    tokens = _footnotes.parse(f"{block}\n\n{definitions}")
    return [
        child.meta["label"]
        for token in tokens
        for child in token.children or ()
        if child.type == "footnote_ref" and child.meta["label"] in keys
    ]


def as_list(problems: dict[str, list[str]]) -> list[dict[str, str]]:
    """The problems as served: one {"claim", "problem"} per problem, in a stable order."""
    return [{"claim": claim, "problem": problem} for claim, found in problems.items() for problem in found]
