"""`flask content lint`: what a careful editor checks in the published content, every rule at once.

- claims: every rule that publishing enforces (service/domain/claims.py), run again on what is
  public, since content published before a rule existed is not checked by it;
- curator notes: text about the sources ("the documents say…") where the reader expects content;
- reading level: the Flesch-Kincaid grade (textstat) of each summary, body and answer at most
  12, and the median of summaries and answers at most 9, for text meant for patients;
- near-duplicates: two items whose prose shares too much, measured as the Jaccard similarity of
  their sets of word trigrams (shingles);
- unreachable items: a therapy, mechanism or indication that links to nothing and that nothing
  links to (FAQs are an ordered list of their own: a general question may link nothing; sources
  are reached through the citations that quote them);
- typography: one spelling of the recurring terms and straight quotes, in prose (quotes are
  evidence and stay as their source has them).
"""

import html
import itertools
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

import nh3
import sqlalchemy as sa
import textstat
from markdown_it import MarkdownIt

from service.domain import claims
from service.domain.content import KINDS, kind_of
from service.domain.db import db
from service.domain.models import ContentItem

MAX_GRADE = 12
MAX_MEDIAN_GRADE = 9
MAX_SIMILARITY = 0.3
CURATOR_NOTES = (
    "the documents",
    "the document ",
    "the source says",
    "the sources say",
    "the sources do",
    "the text says",
    "do not say",
    "does not say",
    "not stated",
)
# A form to avoid in prose -> the one to write.
TYPOGRAPHY = {
    # "T-cell" only before a noun it describes: "CAR T-cell therapy".
    re.compile(
        r"\bT-cells\b|\bT-cell\b(?![ -]?[a-z])"
    ): '"T cells" (a noun; "T-cell" only before another noun)',
    re.compile(r"\bCAR-T\b"): '"CAR T"',
    re.compile("[\u2018\u2019\u201c\u201d]"): "straight quotes and apostrophes",
}
_plain = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class Finding:
    item: str  # "type slug"
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.rule}: {self.message}"


def plain_text(markdown: str) -> str:
    """The words a reader reads: no Markdown syntax, no footnote markers."""
    rendered = _plain.render(claims.MARKER.sub("", markdown))
    return " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())


def prose(item: ContentItem) -> dict[str, str]:
    """The item's own text, field by field, as plain text."""
    kind = kind_of(item)
    texts = {"summary": item.summary} if "summary" in kind.fields else {}  # type: ignore[attr-defined]
    for name in kind.markdown_fields:
        texts[name] = plain_text(getattr(item, f"{name}_markdown") or "")
    return texts


def lint() -> list[Finding]:
    items = db.session.scalars(
        sa.select(ContentItem)
        .where(ContentItem.status == "published")
        .order_by(ContentItem.type, ContentItem.slug)
    ).all()
    findings = []
    for item in items:
        findings += _claims(item)
        findings += _curator_notes(item)
        findings += _typography(item)
    findings += _reading_level(items)
    findings += _near_duplicates(items)
    findings += _unreachable(items)
    return findings


def _name(item: ContentItem) -> str:
    return f"{item.type} {item.slug}"


def _claims(item: ContentItem) -> Iterator[Finding]:
    for claim, problems in claims.unsupported_claims(item).items():
        for problem in problems:
            yield Finding(_name(item), "claims", f"{claim}: {problem}")


def _curator_notes(item: ContentItem) -> Iterator[Finding]:
    for field, text in {"title": item.title, **prose(item)}.items():
        for note in CURATOR_NOTES:
            if note in text.lower():
                yield Finding(_name(item), "curator notes", f"the {field} says {note.strip()!r}")


def _typography(item: ContentItem) -> Iterator[Finding]:
    for field, text in {"title": item.title, **prose(item)}.items():
        for pattern, wanted in TYPOGRAPHY.items():
            if found := pattern.search(text):
                yield Finding(_name(item), "typography", f"the {field} has {found.group()!r}: write {wanted}")


def _reading_level(items: list[ContentItem]) -> Iterator[Finding]:
    measured = []
    for item in items:
        for field, text in prose(item).items():
            grade = textstat.flesch_kincaid_grade(text) if text else 0
            if field != "body":
                measured.append(grade)
            if grade > MAX_GRADE:
                yield Finding(
                    _name(item),
                    "reading level",
                    f"the {field} reads at grade {grade:.1f} (at most {MAX_GRADE})",
                )
    if measured and (median := statistics.median(measured)) > MAX_MEDIAN_GRADE:
        yield Finding(
            "all content",
            "reading level",
            f"summaries and answers read at a median grade of {median:.1f} (at most {MAX_MEDIAN_GRADE})",
        )


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[start : start + size]) for start in range(len(words) - size + 1)}


def similarity(first: str, second: str) -> float:
    """The Jaccard similarity of two texts' word trigrams: 0 shares none, 1 is the same text."""
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def _near_duplicates(items: list[ContentItem]) -> Iterator[Finding]:
    texts = [(item, " ".join(prose(item).values())) for item in items]
    for (first, first_text), (second, second_text) in itertools.combinations(texts, 2):
        if (score := similarity(first_text, second_text)) > MAX_SIMILARITY:
            yield Finding(
                _name(first),
                "near-duplicate",
                f"shares {score:.0%} of its word trigrams with {_name(second)} "
                f"(at most {MAX_SIMILARITY:.0%})",
            )


def _unreachable(items: list[ContentItem]) -> Iterator[Finding]:
    for item in items:
        # FAQs are a list of their own, and sources are reached through the citations of others.
        if item.type == "faq" or not KINDS[item.type].links:
            continue
        if not any(
            linked.status == "published"
            for field in KINDS[item.type].links
            for linked in getattr(item, field)
        ):
            yield Finding(
                _name(item), "unreachable", "it links to nothing published, and nothing links to it"
            )
