"""`flask check`: the invariants every write keeps, verified over the whole database.

For every content item: its revisions are versions 1 to its newest, none missing (versions newer
than the item's own wait for review); the revision of its own version is the item as it stands
(but for its links, which a write to the item at their other end changes too, and records there,
and for fields added since it was written); its times are in order (created, then first
published, then last changed) and its title's sort key is its title's; the search index holds
exactly its current text and terms, or for a kind that is not searched, nothing; its stored
public JSON is what it renders as now, or, unpublished, there is none. The vocabulary counts the
words of published items, and each search set holds the published items of its stem or type.
A write that was cut off (a killed worker, a lost connection) must leave all of these true,
since each write is one transaction.
"""

from collections import Counter
from collections.abc import Iterator
from itertools import pairwise

import sqlalchemy as sa

from service.domain import public_items, search
from service.domain.content import KINDS, ContentKind, numbered_citations, snapshot
from service.domain.db import db
from service.domain.loading import load_options
from service.domain.models import ContentItem, Revision, SlugRedirect
from service.domain.queries import ALL_STATUSES
from service.domain.text import sort_key


def check_consistency() -> list[str]:
    """Every broken invariant, one line each; an empty list when the content is consistent."""
    version = Revision.version
    versions = sa.select(Revision.item_id, sa.func.count(), sa.func.min(version), sa.func.max(version))
    revisions = {
        item_id: (count, lowest, highest)
        for item_id, count, lowest, highest in db.session.execute(versions.group_by(Revision.item_id))
    }
    indexed = search.search_index_rows()
    terms = search.search_terms_rows()
    vocabulary: Counter[str] = Counter()
    stems: dict[str, str] = {}
    renamed = _renamed_sources()
    problems = []
    seen = set()
    for kind, item, newest in _items_with_newest_revision():
        seen.add(item.id)
        name = f"{item.type} {item.slug!r}"
        found = revisions.get(item.id)
        # Versions 1 to the newest, none missing: the item's own, then any waiting for review.
        if found is None or found[1:] != (1, found[0]) or found[0] < item.version:
            problems.append(f"{name}: version {item.version}, but revisions (count, first, last) {found}")
        if newest is None or _recorded(newest.snapshot, kind, renamed) != _recorded(
            snapshot(item), kind, renamed, newest.snapshot
        ):
            problems.append(f"{name}: the revision of version {item.version} is not the item as it stands")
        problems += _times_out_of_order(name, item)
        if item.title_key != sort_key(item.title):
            problems.append(f"{name}: its title_key {item.title_key!r} is not its title's sort key")
        doc = search.document(item) if kind.searchable else None
        if indexed.get(item.id) != (doc and search.indexed_document(doc)):
            problems.append(f"{name}: the search index does not hold its current text")
        entries = search.entries(doc) if doc else None
        expected_terms = _terms(entries, item.status == "published") if entries else {}
        if terms.get(item.id, {}) != expected_terms:
            problems.append(f"{name}: the search terms are not those of its current text")
        if entries and item.status == "published":
            vocabulary.update(entries.vocabulary.keys())
            stems |= entries.vocabulary
    problems += [f"search index row {item_id} belongs to no item" for item_id in indexed.keys() - seen]
    expected = {word: (stems[word], count) for word, count in vocabulary.items()}
    found = search.search_words_rows()
    problems += [
        f"search vocabulary: {word!r} is {found.get(word)}, published content makes it {expected.get(word)}"
        for word in sorted(found.keys() | expected.keys())
        if found.get(word) != expected.get(word)
    ]
    problems += _sets_problems(terms)
    return problems + public_items.problems(db.session)


def _sets_problems(terms: dict[int, dict[str, tuple]]) -> list[str]:
    """Each search set holds the published items that the search terms say it does."""
    rows = db.session.execute(sa.select(ContentItem.id, ContentItem.type))
    types = {item_id: type for item_id, type in rows}
    expected: dict[str, set[int]] = {}
    for item_id, found_by in terms.items():
        published_stems = {term for term, (published, *_) in found_by.items() if published}
        for name in search.set_names(types[item_id], published_stems):
            expected.setdefault(name, set()).add(item_id)
    found = search.search_sets_rows()
    return [
        f"search set {name!r} holds {sorted(found.get(name, ()))}, "
        f"the terms make it {sorted(expected.get(name, ()))}"
        for name in sorted(found.keys() | expected.keys())
        if found.get(name) != expected.get(name)
    ]


def _times_out_of_order(name: str, item: ContentItem) -> list[str]:
    """created_at <= published_at (when published) <= updated_at."""
    times = [
        ("created_at", item.created_at),
        ("published_at", item.published_at),
        ("updated_at", item.updated_at),
    ]
    known = [(field, time) for field, time in times if time is not None]
    return [
        f"{name}: {later} {later_time.isoformat()} is before {earlier} {earlier_time.isoformat()}"
        for (earlier, earlier_time), (later, later_time) in pairwise(known)
        if later_time < earlier_time
    ]


def _recorded(state: dict, kind: ContentKind, renamed: dict[str, str], recorded: dict | None = None) -> dict:
    """The state as a revision records it: without links, only the fields the revision has (a
    revision written before a field existed does not have it), its citations numbered and naming
    each source by its current slug (a source may have been renamed since)."""
    fields = (recorded or state).keys() - kind.links.keys()
    unlinked = {name: state[name] for name in fields if name in state}
    if "sources" in unlinked:
        unlinked["sources"] = [
            citation | {"source": renamed.get(citation["source"], citation["source"])}
            for citation in numbered_citations(unlinked["sources"])
        ]
    return unlinked


def _terms(entries: search.Entries, published: bool) -> dict[str, tuple]:
    return {
        term: (published, in_title, weight, entries.title_terms)
        for term, (in_title, weight) in entries.terms.items()
    }


def _renamed_sources() -> dict[str, str]:
    """Each old slug of a source, to its current one."""
    rows = db.session.execute(
        sa.select(SlugRedirect.old_slug, ContentItem.slug)
        .join(ContentItem, ContentItem.id == SlugRedirect.item_id)
        .where(SlugRedirect.type == "source")
    )
    return dict(rows.tuples().all())


def _items_with_newest_revision() -> Iterator[tuple]:
    for kind in KINDS.values():
        model = kind.model
        newest = (Revision.item_id == model.id) & (Revision.version == model.version)
        query = (
            sa.select(model, Revision)
            .outerjoin(Revision, newest)
            .options(*load_options(kind, ALL_STATUSES))
            .order_by(model.id)
        )
        for item, revision in db.session.execute(query).tuples():
            yield kind, item, revision
