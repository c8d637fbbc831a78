"""Synonyms that search expands queries with: sets of terms that editors create, replace and delete.

A set's terms are stored as editors wrote them and compared as `term_key` folds them (case,
accents and runs of spaces aside). In a set that is not one-way, a query for any term also finds
the others; in a one-way set, a query for the first term also finds the rest, not the reverse.
The terms a query expands from (every term, or a one-way set's first) belong to one set only, so
that a word of a query expands through one set at most; a one-way set's other terms may recur
(`blood cancer` finds `leukemia`, which `leukaemia` also finds).

Each change, in one transaction, bumps the content generation (first, so that writers queue on its
row and see each other's sets: every cache made from the content, searches included, refreshes),
checks the terms against the other sets, bumps `version` (the UPDATE or DELETE checks the version
it read) and writes a revision. Revisions outlive a deleted set.
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from service.domain import public_items
from service.domain.db import db
from service.domain.editing import commit_versioned
from service.domain.errors import ContentConflict, InvalidContent
from service.domain.generation import bump_generation
from service.domain.models import SynonymRevision, SynonymSet, utcnow
from service.domain.queries import Page
from service.domain.search import SynonymEntry
from service.domain.words import words

MIN_TERMS = 2
MAX_TERMS = 20
MAX_TERM_LENGTH = 60
# Besides letters and digits, the characters a term may hold: spaces, hyphens and apostrophes.
TERM_PUNCTUATION = " -'’"
TERM_RULE = (
    f"1 to {MAX_TERM_LENGTH} characters: letters, digits, spaces, hyphens and apostrophes, at least "
    "one letter or digit, no space at either end."
)
WHAT = "synonym set"


class TermClash(ContentConflict):
    """Terms that a query would expand from in another set too (409): (term as sent, set id) each."""

    def __init__(self, clashes: Sequence[tuple[str, int]]):
        self.clashes = list(clashes)
        super().__init__(self.detail_naming(lambda set_id: f"synonym set {set_id}"))

    def detail_naming(self, name: Callable[[int], str]) -> str:
        """The refusal, each other set named by `name` (the web layer names its URL)."""
        found = "; ".join(f"{term!r} is in {name(set_id)}" for term, set_id in self.clashes)
        return f"A term belongs to one synonym set only: {found}."


def _bump_generations() -> None:
    """A change of synonyms changes what searches find, and nothing else public."""
    bump_generation(db.session)
    public_items.touch({"synonyms", "search"})


def term_key(term: str) -> str:
    """What terms are compared by: their words as search reads them, casefolded, accents and
    apostrophes dropped ("Café  au lait" and "cafe au lait" are one term, "Hodgkin's" and
    "Hodgkins" too)."""
    return " ".join(word.text for word in words(term))


def find_synonym_set(set_id: int) -> SynonymSet | None:
    return db.session.get(SynonymSet, set_id)


def list_synonym_sets(*, page: int, page_size: int) -> Page:
    """A page of synonym sets, oldest first."""
    total = db.session.scalar(sa.select(sa.func.count(SynonymSet.id)))
    sets = db.session.scalars(
        sa.select(SynonymSet).order_by(SynonymSet.id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return Page(sets, total or 0, page, page_size)


def list_synonym_revisions(set_id: int, *, page: int, page_size: int) -> Page | None:
    """A page of a set's revisions, oldest first, a deleted set's too; None if it never existed."""
    total = db.session.scalar(
        sa.select(sa.func.count(SynonymRevision.id)).where(SynonymRevision.synonym_set_id == set_id)
    )
    if not total:
        return None
    revisions = db.session.scalars(
        sa.select(SynonymRevision)
        .where(SynonymRevision.synonym_set_id == set_id)
        .order_by(SynonymRevision.version)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return Page(revisions, total, page, page_size)


def create_synonym_set(
    terms: Sequence[str],
    *,
    one_way: bool = False,
    author: str,
    person: str | None = None,
    note: str | None = None,
    commit: bool = True,
) -> SynonymSet:
    """Make a set (version 1). `commit=False` leaves the transaction open (the seed's)."""
    terms = checked_terms(terms)
    _bump_generations()
    _refuse_clashes(terms, one_way)
    now = utcnow()
    synonym_set = SynonymSet(terms=terms, one_way=one_way, version=1, created_at=now, updated_at=now)
    db.session.add(synonym_set)
    db.session.flush()
    _record(synonym_set, "created", author, person, note)
    if commit:
        commit_versioned(WHAT)
    return synonym_set


def replace_synonym_set(
    synonym_set: SynonymSet,
    terms: Sequence[str],
    *,
    one_way: bool = False,
    author: str,
    person: str | None = None,
    note: str | None = None,
) -> SynonymSet:
    """Replace a set's terms and direction, as a new version of it; the same terms in the same
    order and direction write nothing."""
    terms = checked_terms(terms)
    if terms == synonym_set.terms and one_way == synonym_set.one_way:
        return synonym_set
    _bump_generations()
    _refuse_clashes(terms, one_way, synonym_set.id)
    synonym_set.terms = terms
    synonym_set.one_way = one_way
    synonym_set.version += 1
    synonym_set.updated_at = utcnow()
    _record(synonym_set, "updated", author, person, note)
    commit_versioned(WHAT)
    return synonym_set


def delete_synonym_set(
    synonym_set: SynonymSet, *, author: str, person: str | None = None, note: str | None = None
) -> None:
    """Delete a set; its revisions stay, the last one saying who deleted it."""
    _bump_generations()
    db.session.delete(synonym_set)
    _record(synonym_set, "deleted", author, person, note, version=synonym_set.version + 1)
    commit_versioned(WHAT)


def checked_terms(terms: Sequence[str]) -> list[str]:
    """The terms as they are stored (Unicode NFC, as written otherwise), or a 422 naming each
    problem: how many there are, a term's characters or length, a term given twice."""
    if not isinstance(terms, (list, tuple)) or not MIN_TERMS <= len(terms) <= MAX_TERMS:
        message = f"Send {MIN_TERMS} to {MAX_TERMS} terms: a set of one finds nothing more."
        raise InvalidContent(message, {"terms": [message]})
    stored = [unicodedata.normalize("NFC", term) if isinstance(term, str) else term for term in terms]
    errors: dict[int, list[str]] = {}
    first_of: dict[str, int] = {}
    for index, term in enumerate(stored):
        if (problem := term_problem(term)) is not None:
            errors[index] = [problem]
            continue
        first = first_of.setdefault(term_key(term), index)
        if first != index:
            errors[index] = [
                f"The same term as {stored[first]!r}: terms are compared regardless of case, accents "
                "and spacing."
            ]
    if errors:
        message = "A term is not valid or is given twice: each is named under `terms`."
        raise InvalidContent(message, {"terms": errors})
    return stored


def term_problem(term: object) -> str | None:
    """Why this is not a term a set may hold, in a sentence; None if it is one."""
    if not isinstance(term, str):
        return "Not a string."
    if not 1 <= len(unicodedata.normalize("NFC", term)) <= MAX_TERM_LENGTH:
        return f"A term has 1 to {MAX_TERM_LENGTH} characters."
    if others := sorted({c for c in term if not c.isalnum() and c not in TERM_PUNCTUATION}):
        shown = " ".join(repr(character) for character in others)
        return f"Only letters, digits, spaces, hyphens and apostrophes; not {shown}."
    if not any(character.isalnum() for character in term):
        return "A term needs a letter or a digit."
    if term != term.strip(" "):
        return "No space at either end of a term."
    if not any(word.meaningful for word in words(term)):
        return 'A term needs a word other than the likes of "the", "it" or "what", which search skips.'
    return None


def _refuse_clashes(terms: list[str], one_way: bool, own_id: int | None = None) -> None:
    """409 when a term a query expands from is one in another set too. Read after the generation's
    bump, where writers queue: a set committed meanwhile is seen."""
    wanted = {term_key(term): term for term in SynonymEntry(tuple(terms), one_way).triggers}
    others = sa.select(SynonymSet.id, SynonymSet.terms, SynonymSet.one_way).order_by(SynonymSet.id)
    if own_id is not None:
        others = others.where(SynonymSet.id != own_id)
    clashes = [
        (wanted[key], set_id)
        for set_id, other_terms, other_one_way in db.session.execute(others)
        for key in map(term_key, SynonymEntry(tuple(other_terms), other_one_way).triggers)
        if key in wanted
    ]
    if clashes:
        db.session.rollback()
        raise TermClash(clashes)


def _record(
    synonym_set: SynonymSet,
    action: str,
    author: str,
    person: str | None,
    note: str | None,
    *,
    version: int | None = None,
) -> None:
    db.session.add(
        SynonymRevision(
            synonym_set_id=synonym_set.id,
            version=version or synonym_set.version,
            action=action,
            terms=list(synonym_set.terms),
            one_way=synonym_set.one_way,
            author=author,
            person=person or author,
            note=note,
        )
    )
