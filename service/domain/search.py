"""Search: an inverted index in plain tables, the same answers on SQLite and PostgreSQL.

Four tables, made by migrations and kept in step by the editing path (`index_item`):
- `search_terms`: for each item, every stem it is found by (words.py), with whether the stem is
  in its name (or question, or another name), a weight, and whether the item is published;
- `search_words`: the vocabulary of published content, each word with its stem and the number of
  published items it occurs in. Corrections and completions come from it, so a word that exists
  only in a draft or a pending change never surfaces to an anonymous reader;
- `search_index`: each item's display text (its plain text, shown in snippets), and the stems of
  all its words in order, which "quoted phrases" are checked against;
- `search_sets`: for each stem and each type, the published items that hold it, as a compressed
  bitmap. A search's total, and which items can be on its page, come from them.

A query (`plan`) becomes groups, one for each meaningful word (or synonym, or quoted phrase);
each group has alternatives: the word's stem, its synonyms, its completions if it is the last
word, its correction if it has none. The items rank by the groups they match first, then by
those matched in the name, then by how exactly the name is matched, then by the weights. One
statement ranks them: every match (`_page_from_ranking`), or only the items that can be on the
page, found from the sets (`_page_from_sets`). User input never reaches any query syntax: it is
only ever bound as data.
"""

import bisect
import functools
import heapq
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from pyroaring import BitMap, FrozenBitMap
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy.dialects import postgresql, sqlite

from service.domain import public_items
from service.domain import words as text_words
from service.domain.content import kind_of
from service.domain.db import db
from service.domain.generation import read_generation
from service.domain.models import ContentItem, SynonymSet
from service.domain.rendering import plain_text
from service.domain.words import Word

# Bounds on the work a query may ask for, whoever sends it.
MAX_GROUPS = 16
MAX_PHRASES = 4
MAX_WORDS = 32
MAX_ALTERNATIVES = 16
MAX_ALTERNATIVE_STEMS = 8
MAX_STEMS = 96
MAX_CORRECTIONS = 4
SNIPPET_WORDS = 24
SUGGESTIONS = 8
# A page found from the stored sets ranks every match where there are at most RANKED_AT_ONCE,
# else each tier of items found by as many groups whole where it holds at most that many; it
# reads at most READ_AHEAD rows of each stem for the tier found by one group. Beyond, the page
# is taken from a ranking of every match.
RANKED_AT_ONCE = 200
READ_AHEAD = 1000
# The stored sets a lexicon keeps once read: the largest are a few kilobytes.
SETS_KEPT = 1024
# Names up to this many words are read in the order of their score (see _best_found_once).
NAME_WORDS_IN_ORDER = 50
# Completions of the last word: the most frequent words it begins.
COMPLETIONS = 10
# How much an alternative counts against the word as typed.
SYNONYM, CORRECTION, COMPLETION, PART = 0.9, 0.7, 0.6, 0.5

_EMPTY_SET = BitMap().serialize()
_QUOTED = re.compile(r'"([^"]*)"?')
_PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)")

_metadata = sa.MetaData()
search_terms = sa.Table(
    "search_terms",
    _metadata,
    sa.Column("term", sa.String, primary_key=True),
    sa.Column("item_id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String),
    sa.Column("published", sa.Boolean),
    sa.Column("in_title", sa.Boolean),
    sa.Column("weight", sa.Float),
    sa.Column("title_terms", sa.Integer),
)
search_index = sa.Table(
    "search_index",
    _metadata,
    sa.Column("item_id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String),
    sa.Column("body", sa.String),
    sa.Column("extra", sa.String),
    sa.Column("stems", sa.String),
)
search_words = sa.Table(
    "search_words",
    _metadata,
    sa.Column("word", sa.String, primary_key=True),
    sa.Column("stem", sa.String),
    sa.Column("documents", sa.Integer),
)
search_sets = sa.Table(
    "search_sets",
    _metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("item_ids", sa.LargeBinary),
)


# --- The index ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What an item is found by and shown with: its name, its other names, its plain text (the
    snippet's source), and the text it is found by but that is not shown (lists, topics)."""

    title: str
    names: tuple[str, ...]
    body: str
    extra: str


def build_document(
    title: str, names: Iterable[str], texts: Iterable[str], markdowns: Iterable[str], lists: Iterable[str]
) -> Document:
    """A document from an item's parts; pure, so that a migration can index rows with it."""
    body = [text for text in texts if text] + [plain_text(markdown) for markdown in markdowns if markdown]
    return Document(title, tuple(names), " ".join(body), "\n".join(lists))


def document(item: ContentItem) -> Document:
    kind = kind_of(item)
    lists: list[str] = []
    for name in kind.fields:
        value = getattr(item, name)
        if isinstance(value, list) and name != "alternate_names":
            lists.extend(value)
    return build_document(
        item.title,
        getattr(item, "alternate_names", None) or (),
        [getattr(item, "summary", "")],
        [getattr(item, f"{name}_markdown") for name in kind.markdown_fields],
        lists,
    )


@dataclass(frozen=True)
class Entries:
    """An item's rows of the index: its terms (stem -> in its name, weight), how many meaningful
    words its name has, and its vocabulary (word -> stem)."""

    terms: dict[str, tuple[bool, float]]
    title_terms: int
    vocabulary: dict[str, str]


def entries(doc: Document) -> Entries:
    in_title: Counter[str] = Counter()
    in_text: Counter[str] = Counter()
    vocabulary: dict[str, str] = {}
    title_words = {w.text for w in text_words.words(doc.title) if w.meaningful}
    for counter, texts in ((in_title, (doc.title, *doc.names)), (in_text, (doc.body, doc.extra))):
        for text in texts:
            for word in text_words.words(text):
                counter.update(text_words.terms(word))
                vocabulary.update(_vocabulary(word))
    terms = {
        term: (term in in_title, round(1 + math.log(1 + in_text[term] + 3 * in_title[term]), 4))
        for term in in_title.keys() | in_text.keys()
    }
    return Entries(terms, max(len(title_words), 1), vocabulary)


def _vocabulary(word: Word) -> dict[str, str]:
    found = {part: text_words.stem(part) for part in word.parts if part not in text_words.STOP_WORDS}
    if len(word.parts) > 1 and word.meaningful:
        found[word.text] = word.stem
    return found


def index_item(item: ContentItem) -> None:
    """Its rows of the index, written anew; a kind that is not searched (sources) has none."""
    if not kind_of(item).searchable:
        return
    session = db.session
    display = search_index.c
    old = session.execute(
        sa.select(display.title, display.body, display.extra).where(display.item_id == item.id)
    ).first()
    was_found_by = set(
        session.scalars(
            sa.select(search_terms.c.term).where(search_terms.c.item_id == item.id, search_terms.c.published)
        )
    )
    was_published = bool(was_found_by)
    new = document(item)
    published = item.status == "published"
    if published or was_published:
        # What searches find changes with what the public sees of it.
        public_items.touch({"search"})
    found = entries(new)
    old_words = (
        set(entries(Document(old[0], (), old[1], old[2])).vocabulary) if old and was_published else set()
    )
    new_words = found.vocabulary if published else {}
    _count_words(
        {word: new_words[word] for word in new_words.keys() - old_words}, old_words - new_words.keys()
    )

    session.execute(sa.delete(search_index).where(display.item_id == item.id))
    session.execute(sa.insert(search_index), {"item_id": item.id, **indexed_document(new)})
    session.execute(sa.delete(search_terms).where(search_terms.c.item_id == item.id))
    if found.terms:
        session.execute(
            sa.insert(search_terms),
            [
                {
                    "term": term,
                    "item_id": item.id,
                    "type": item.type,
                    "published": published,
                    "in_title": titled,
                    "weight": weight,
                    "title_terms": found.title_terms,
                }
                for term, (titled, weight) in found.terms.items()
            ],
        )
    is_found_by = set(found.terms) if published else set()
    _update_sets(item, set_names(item.type, is_found_by), set_names(item.type, was_found_by))


def set_names(type: str, stems: set[str]) -> set[str]:
    """The sets a published item found by these stems belongs to: one per stem, and its type's."""
    return {f"stem {stem}" for stem in stems} | ({f"type {type}"} if stems else set())


def _update_sets(item: ContentItem, now: set[str], before: set[str]) -> None:
    """The item added to the sets it joins and taken from those it leaves. On PostgreSQL each set
    is locked while it changes, in the order of their names, so that two writers never deadlock;
    SQLite lets one writer in at a time, and this one has written already."""
    joined, left = now - before, before - now
    if not joined and not left:
        return
    session = db.session
    sets = search_sets.c
    if joined:
        # Each set joined exists before it is read, made empty where it is new.
        session.execute(
            _insert(search_sets).on_conflict_do_nothing(index_elements=["name"]),
            [{"name": name, "item_ids": _EMPTY_SET} for name in sorted(joined)],
        )
    read = sa.select(sets.name, sets.item_ids).where(sets.name.in_(sorted(joined | left))).order_by(sets.name)
    if _is_postgresql():
        read = read.with_for_update()
    changed = []
    for name, stored in session.execute(read):
        items = BitMap.deserialize(stored)
        if name in joined:
            items.add(item.id)
        else:
            items.discard(item.id)
        items.run_optimize()
        changed.append({"set_name": name, "set_items": items.serialize()})
    session.execute(
        sa.update(search_sets)
        .where(sets.name == sa.bindparam("set_name"))
        .values(item_ids=sa.bindparam("set_items")),
        changed,
    )


def _count_words(added: dict[str, str], removed: set[str]) -> None:
    """Keep the vocabulary's counts of published items: one more for each word added, one less
    for each removed, and a word no published item has any more is forgotten."""
    session = db.session
    if added:
        session.execute(
            _insert(search_words).on_conflict_do_update(
                index_elements=["word"], set_={"documents": search_words.c.documents + 1}
            ),
            [{"word": word, "stem": stem, "documents": 1} for word, stem in added.items()],
        )
    if removed:
        words = sa.bindparam("words", expanding=True)
        session.execute(
            sa.update(search_words)
            .where(search_words.c.word.in_(words))
            .values(documents=search_words.c.documents - 1),
            {"words": sorted(removed)},
        )
        session.execute(
            sa.delete(search_words).where(search_words.c.word.in_(words), search_words.c.documents <= 0),
            {"words": sorted(removed)},
        )


def search_index_rows() -> dict[int, dict[str, str]]:
    """The whole display index, item id to its row: what `flask check` compares with the items."""
    rows = db.session.execute(sa.select(search_index)).mappings()
    return {row["item_id"]: {name: row[name] for name in ("title", "body", "extra", "stems")} for row in rows}


def search_terms_rows() -> dict[int, dict[str, tuple]]:
    """The whole index of stems: item id to {term: (published, in_title, weight, title_terms)}."""
    table = search_terms.c
    rows = db.session.execute(
        sa.select(table.item_id, table.term, table.published, table.in_title, table.weight, table.title_terms)
    )
    found: dict[int, dict[str, tuple]] = {}
    for item_id, term, *values in rows:
        found.setdefault(item_id, {})[term] = (bool(values[0]), bool(values[1]), values[2], values[3])
    return found


def search_words_rows() -> dict[str, tuple[str, int]]:
    """The whole vocabulary: word to (stem, published items it occurs in)."""
    return {word: (stem, documents) for word, stem, documents in db.session.execute(sa.select(search_words))}


def search_sets_rows() -> dict[str, set[int]]:
    """Every set that holds an item: its name to its items' ids."""
    rows = db.session.execute(sa.select(search_sets))
    found = {name: set(BitMap.deserialize(item_ids)) for name, item_ids in rows}
    return {name: item_ids for name, item_ids in found.items() if item_ids}


def indexed_document(doc: Document) -> dict[str, str]:
    """A document as its display index row holds it."""
    extra = "\n".join((*doc.names, doc.extra))
    stems = stem_sequence((doc.title, doc.body, extra))
    return {"title": doc.title, "body": doc.body, "extra": extra, "stems": stems}


def stem_sequence(texts: Iterable[str]) -> str:
    """The stems of every word (stop words too, the parts of a joined word apart), in order, each
    line of each text apart, a space on each side: a quoted phrase is found in it as written,
    stems for words."""
    lines = (line for text in texts for line in text.split("\n"))
    stems = (" ".join(_stems(line)) for line in lines)
    return " " + " | ".join(stems) + " "


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert(table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT in the database's own dialect, which can say what to do on a conflict."""
    return (postgresql if _is_postgresql() else sqlite).insert(table)


# --- What a query looks for --------------------------------------------------------------------


@dataclass(frozen=True)
class SynonymEntry:
    """A synonym set as search reads it: its terms as stored, and whether it is one-way."""

    terms: tuple[str, ...]
    one_way: bool

    @property
    def triggers(self) -> tuple[str, ...]:
        """The terms a query expands from: every term, or the first of a one-way set. Each belongs
        to this set only; a one-way set's other terms may be in other sets too."""
        return self.terms[:1] if self.one_way else self.terms


def synonym_sets() -> list[SynonymEntry]:
    """Every synonym set, in the order made (by id), terms as stored: one SELECT."""
    rows = db.session.execute(sa.select(SynonymSet.terms, SynonymSet.one_way).order_by(SynonymSet.id))
    return [SynonymEntry(tuple(terms), bool(one_way)) for terms, one_way in rows]


@dataclass
class Lexicon:
    """The vocabulary of published content and the synonyms, as of one content generation."""

    words: dict[str, tuple[str, int]]  # word -> (stem, published items it occurs in)
    synonyms: list[SynonymEntry]
    documents: int
    stems: dict[str, int] = field(init=False)
    sorted_words: list[str] = field(init=False)
    by_length: dict[int, list[str]] = field(init=False)
    # The terms a query expands from, as words, by their first word.
    triggers: dict[str, list[tuple[tuple[str, ...], SynonymEntry]]] = field(init=False)
    # Their words: known words, never corrected into others.
    synonym_words: set[str] = field(init=False)
    # The stored sets read so far (search_sets), by name: at most SETS_KEPT.
    sets: dict[str, FrozenBitMap] = field(init=False, default_factory=dict)

    def __post_init__(self):
        self.stems = {}
        for stem, count in self.words.values():
            self.stems[stem] = max(count, self.stems.get(stem, 0))
        self.sorted_words = sorted(self.words)
        self.by_length = {}
        for word in self.sorted_words:
            if word.isalpha():
                self.by_length.setdefault(len(word), []).append(word)
        self.triggers = {}
        for entry in self.synonyms:
            for term in entry.triggers:
                if words := tuple(word.text for word in text_words.words(term)):
                    self.triggers.setdefault(words[0], []).append((words, entry))
        self.synonym_words = {
            word for entries in self.triggers.values() for words, _ in entries for word in words
        }
        for word in sorted(self.synonym_words - self.words.keys()):
            if word.isalpha():
                self.by_length.setdefault(len(word), []).append(word)

    def idf(self, stem: str) -> float:
        return math.log(1 + self.documents / max(self.stems.get(stem, 0), 1))

    def completions(self, prefix: str) -> list[str]:
        """The most frequent published words that begin with `prefix`."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        end = bisect.bisect_left(self.sorted_words, prefix + "\U0010ffff")
        found = self.sorted_words[start:end]
        return heapq.nsmallest(COMPLETIONS, found, key=lambda word: (-self.words[word][1], word))

    def correction(self, word: str) -> str | None:
        """The nearest word within the typos allowed for the word's length (one from 5 letters,
        two from 9, as Meilisearch allows), the most frequent of the nearest; a transposition is
        one typo."""
        allowed = 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0
        if not allowed or not word.isalpha():
            return None
        candidates = [
            candidate
            for length in range(len(word) - allowed, len(word) + allowed + 1)
            for candidate in self.by_length.get(length, ())
        ]
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=allowed, limit=None)
        if not found:
            return None
        return min(found, key=lambda match: (match[1], -self.words.get(match[0], ("", 0))[1], match[0]))[0]


_lexicons: dict[str, tuple[int, Lexicon]] = {}


def lexicon(generation: int | None = None) -> Lexicon:
    """The lexicon of the current search generation, built once per generation and process; pass
    the generation where the request has read it already."""
    engine = db.engine
    if generation is None:
        generation = read_generation(engine, ("search",))
    key = engine.url.render_as_string()
    cached = _lexicons.get(key)
    if cached and cached[0] == generation:
        return cached[1]
    words = search_words_rows()
    documents = db.session.scalar(
        sa.select(sa.func.count()).select_from(ContentItem).where(ContentItem.status == "published")
    )
    found = Lexicon(words, synonym_sets(), documents or 0)
    _lexicons[key] = (generation, found)
    return found


@dataclass(frozen=True)
class Alternative:
    """Stems that must all be found for the alternative to match, and how much it counts."""

    stems: tuple[str, ...]
    boost: float
    # The parts of one joined word (`PD-1`): shown as found only where they stand joined.
    joined: bool = False


@dataclass
class Group:
    alternatives: list[Alternative]
    phrase: str | None = None  # a quoted phrase: its words must also stand in this order


@dataclass
class Plan:
    groups: list[Group]
    corrected: str | None = None  # the query with its corrections, when one was made

    @property
    def phrases(self) -> list[str]:
        return [group.phrase for group in self.groups if group.phrase]

    @property
    def alternatives(self) -> list[Alternative]:
        return [alt for group in self.groups for alt in group.alternatives]


def plan(query: str, found: Lexicon) -> Plan:
    """What to look for: quoted phrases, then each meaningful word with its alternatives."""
    groups = []
    for phrase in _QUOTED.findall(query)[:MAX_PHRASES]:
        stems = tuple(dict.fromkeys(s for word in text_words.words(phrase) for s in word.part_stems))
        if stems:
            groups.append(Group([Alternative(stems[:MAX_ALTERNATIVE_STEMS], 1.0)], phrase=phrase))
    # Quoted phrases blanked out, so that each word keeps its place in the query.
    unquoted = _QUOTED.sub(lambda match: " " * len(match.group()), query)
    typed = list(itertools.islice(text_words.words(unquoted), MAX_WORDS))
    # The last word may be unfinished, unless a space (or a closing quote) follows it.
    unfinished = bool(typed) and typed[-1].end == len(unquoted)
    corrections: dict[Word, str] = {}
    for index, word in enumerate(typed):
        last = unfinished and index == len(typed) - 1
        unknown = word.meaningful and not _known(word, found) and not (last and found.completions(word.text))
        if unknown and len(corrections) < MAX_CORRECTIONS and (correction := found.correction(word.text)):
            corrections[word] = correction
    spelled = [corrections.get(word, word.text) for word in typed]
    position = 0
    while position < len(typed) and len(groups) < MAX_GROUPS:
        span, entry = _synonyms_at(spelled, position, found)
        if entry is not None:
            # A set whose every term has too many stems to look up finds nothing.
            if alternatives := _synonym_alternatives(" ".join(spelled[position : position + span]), entry):
                groups.append(Group(alternatives))
            position += span
            continue
        word = typed[position]
        last = unfinished and position == len(typed) - 1
        if word.meaningful:
            alternatives = _word_alternatives(word, corrections.get(word), last, found)
            if alternatives:
                groups.append(Group(alternatives))
        position += 1
    return Plan(_bounded(groups), _with_corrections(query, corrections) if corrections else None)


def _bounded(groups: list[Group]) -> list[Group]:
    """The groups with at most MAX_STEMS stems to look up in all: a group's last alternatives
    (the least close) go first, then whole groups from the end."""
    while sum(len(alt.stems) for group in groups for alt in group.alternatives) > MAX_STEMS:
        widest = max(groups, key=lambda group: len(group.alternatives))
        if len(widest.alternatives) > 1:
            widest.alternatives.pop()
        else:
            groups.pop()
    return groups


def _known(word: Word, found: Lexicon) -> bool:
    return word.stem in found.stems or word.text in found.synonym_words


def _word_alternatives(word: Word, correction: str | None, last: bool, found: Lexicon) -> list[Alternative]:
    alternatives = [Alternative((word.stem,), 1.0)]
    if len(word.parts) > 1 and word.part_stems:
        alternatives.append(Alternative(word.part_stems, PART, joined=True))
    if last:
        alternatives += [
            Alternative((found.words[completion][0],), COMPLETION)
            for completion in found.completions(word.text)
        ]
    if correction:
        alternatives.append(Alternative((text_words.stem(correction),), CORRECTION))
    return list({alt.stems: alt for alt in reversed(alternatives)}.values())[::-1]


def _synonyms_at(spelled: list[str], position: int, found: Lexicon) -> tuple[int, SynonymEntry | None]:
    """The longest synonym that the words from `position` on spell out, if any."""
    best: tuple[int, SynonymEntry | None] = (0, None)
    for words, entry in found.triggers.get(spelled[position], ()):
        if tuple(spelled[position : position + len(words)]) == words and len(words) > best[0]:
            best = (len(words), entry)
    return best


def _synonym_alternatives(typed: str, entry: SynonymEntry) -> list[Alternative]:
    alternatives = []
    for term in entry.terms:
        written = list(text_words.words(term))
        stems = tuple(dict.fromkeys(word.stem for word in written if word.meaningful))
        if stems and len(stems) <= MAX_ALTERNATIVE_STEMS:
            exact = [word.text for word in written] == typed.split()
            alternatives.append(Alternative(stems, 1.0 if exact else SYNONYM))
    return sorted(alternatives, key=lambda alt: -alt.boost)[:MAX_ALTERNATIVES]


def _with_corrections(query: str, corrections: dict[Word, str]) -> str:
    """The query as typed, each corrected word replaced: what `X-Did-You-Mean` names."""
    out = query
    for word in sorted(corrections, key=lambda word: -word.start):
        out = out[: word.start] + corrections[word] + out[word.end :]
    return out


# --- Ranking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRef:
    """An item as a hit names it."""

    type: str
    slug: str
    title: str


@dataclass(frozen=True)
class Hit:
    item: ItemRef
    snippet: str
    highlights: list[tuple[int, int]]
    rank: float


@dataclass(frozen=True)
class Suggestion:
    item: ItemRef
    highlights: list[tuple[int, int]]


@dataclass(frozen=True)
class _Postings:
    """What a plan looks up: the stems as the rows of a VALUES list `q (term, grp, alt, need,
    weight)`, the rows of `search_terms` it reads as `s` (`source`, with any list of items to read
    among `ctes`), and the condition on them of what the reader may see."""

    values: str
    where: str
    params: dict[str, object]
    source: str = "search_terms s JOIN q ON q.term = s.term"
    chosen: str = ""  # the rows of a VALUES list `chosen (id)` of the only items to read

    @property
    def ctes(self) -> str:
        stems = f"q (term, grp, alt, need, weight) AS (VALUES {self.values})"
        return f"{stems}, chosen (id) AS (VALUES {self.chosen})" if self.chosen else stems


def _postings(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None,
    in_title: bool,
    items: Iterable[int] = (),
) -> _Postings:
    rows, params = [], {}
    for g, group in enumerate(query_plan.groups):
        for a, alt in enumerate(group.alternatives):
            for s, stem in enumerate(alt.stems):
                name = f"{g}_{a}_{s}"
                rows.append(f"(:t{name}, {g}, {a}, {len(alt.stems)}, :w{name})")
                params[f"t{name}"] = stem
                params[f"w{name}"] = alt.boost * found.idf(stem)
    if tuple(statuses) == ("published",):
        visible = ["s.published"]
    else:
        listed = _listed("statuses", statuses, params)
        visible = [f"s.item_id IN (SELECT id FROM content_items WHERE status IN ({listed}))"]
    # One content type, or any of several.
    if types := [type] if isinstance(type, str) else list(type or ()):
        visible.append(f"s.type IN ({_listed('types', types, params)})")
    if in_title:
        # An equality, so that the primary key (term, in_title, item_id) reads only names' stems.
        visible.append("s.in_title = TRUE")
    postings = _Postings(", ".join(rows), " AND ".join(visible), params)
    return _of_items(postings, items) if items else postings


def _of_items(postings: _Postings, items: Iterable[int]) -> _Postings:
    """The postings of these items only, each looked up by its id: the cost is in the items, not
    in the rows of their stems. Each database is led there its own way."""
    params = dict(postings.params)
    ids = _placeholders("items", list(items), params)
    if _is_postgresql():
        # All the items' rows, fenced (OFFSET 0) from the stems: PostgreSQL keeps a plan for a
        # statement it has run often, made for any values, and such a plan reads by the stems.
        source = f"""(SELECT * FROM search_terms WHERE item_id IN ({", ".join(ids)}) OFFSET 0) AS s
            JOIN q ON q.term = s.term"""
        return replace(postings, params=params, source=source)
    # In this order (CROSS JOIN), so that SQLite finds each item's rows of each stem by its id.
    where = f"s.term = q.term AND s.item_id = chosen.id AND s.in_title IN (FALSE, TRUE) AND {postings.where}"
    source = "q CROSS JOIN chosen CROSS JOIN search_terms s"
    chosen = ", ".join(f"({placeholder})" for placeholder in ids)
    return replace(postings, where=where, params=params, source=source, chosen=chosen)


def _listed(name: str, values: Sequence[object], params: dict[str, object]) -> str:
    """Placeholders for a list of values, each bound apart: `:statuses0, :statuses1, ...`."""
    return ", ".join(_placeholders(name, values, params))


def _placeholders(name: str, values: Sequence[object], params: dict[str, object]) -> list[str]:
    """A placeholder for each value, bound in `params`. Never named `status_1`: a searched list puts
    the ranking inside a statement of its own, whose parameters SQLAlchemy names that way."""
    names = [f"{name}{index}" for index in range(len(values))]
    params.update(zip(names, values, strict=True))
    return [f":{name}" for name in names]


def ranked(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None = None,
    in_title: bool = False,
) -> sa.Subquery:
    """(item_id, rank) of every item matching a group of the plan, and every quoted phrase.

    The rank orders by, in turn: the groups matched; those matched in the name; how much of the
    name the query matched; the weights. Each is kept below the step of the one before (how much
    of the name, for names of up to a few dozen words).
    """
    ranking = _ranking(query_plan, found, statuses=statuses, type=type, in_title=in_title)
    statement = ranking.bound(f"WITH {ranking.ctes} {ranking.select}")
    return statement.columns(item_id=sa.Integer, rank=sa.Float).subquery("ranked")


def _best(ranking: "_Ranking", *, limit: int, offset: int = 0, counted: bool = False) -> sa.CursorResult:
    """The best of the ranked items, with their type, slug, name and display text, and if
    `counted` how many are ranked in all (`total`, on every row): one statement, its count read
    from the ranking the page is taken from, so that each match is found once."""
    total = ", (SELECT count(*) FROM ranked) AS total" if counted else ""
    return ranking.execute(
        f"""
        WITH {ranking.ctes},
        ranked AS ({ranking.select}),
        best AS (SELECT item_id, rank FROM ranked ORDER BY rank DESC, item_id LIMIT :limit OFFSET :offset)
        SELECT best.item_id, best.rank, c.type, c.slug, d.title, d.body{total}
        FROM best
        JOIN content_items c ON c.id = best.item_id
        JOIN search_index d ON d.item_id = best.item_id
        ORDER BY best.rank DESC, best.item_id""",
        limit=limit,
        offset=offset,
    )


@dataclass(frozen=True)
class _Ranking:
    """The SQL of a ranking: its common table expressions, the select of (item_id, rank), the
    postings it reads and its quoted phrases' patterns."""

    ctes: str
    select: str
    postings: _Postings
    phrase_params: dict[str, str]

    @property
    def params(self) -> dict[str, object]:
        """The values its `:name` placeholders stand for."""
        return self.postings.params | self.phrase_params

    def bound(self, sql: str) -> sa.TextClause:
        return sa.text(sql).bindparams(**self.params)

    def execute(self, sql: str, **params: object) -> sa.CursorResult:
        return _run(sql, self.params | params)


def _run(sql: str, params: dict[str, object]) -> sa.CursorResult:
    """The statement run as it is written, on the driver: no text to parse, no statement to
    compile and no cache key to make, a third of the time a text() statement took."""
    connection = db.session.connection()
    return connection.exec_driver_sql(_in_driver_style(sql, connection.dialect), params)


@functools.lru_cache(maxsize=256)
def _in_driver_style(sql: str, dialect: sa.Dialect) -> str:
    """`:name` placeholders as the driver takes them: SQLite's as they are, psycopg's `%(name)s`
    (and a `%` of the text itself doubled). The statements here hold no quoted text: every value
    is a parameter."""
    if dialect.paramstyle == "pyformat":
        return _PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))
    return sql


def _ranking(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None,
    in_title: bool,
    items: Iterable[int] = (),
) -> _Ranking:
    postings = _postings(query_plan, found, statuses=statuses, type=type, in_title=in_title, items=items)
    where = postings.where
    required = [g for g, group in enumerate(query_plan.groups) if group.phrase or in_title]
    # A quoted phrase's stems must stand in a row: checked only on the items that have them all.
    phrase_filters = [
        f"EXISTS (SELECT 1 FROM search_index d WHERE d.item_id = groups.item_id AND d.stems LIKE :phrase_{i})"
        for i, _ in enumerate(query_plan.phrases)
    ]
    phrase_params = {
        f"phrase_{i}": f"% {' '.join(_stems(phrase))} %" for i, phrase in enumerate(query_plan.phrases)
    }
    having = (
        f"HAVING sum(CASE WHEN grp IN ({', '.join(map(str, required))}) THEN 1 ELSE 0 END) = {len(required)}"
    )
    single_stems = all(len(alt.stems) == 1 for alt in query_plan.alternatives)
    # Each match of an alternative scores apart, and an item's rank is the sum of its groups' best:
    # one sum per item, where ranking every match costs most.
    if single_stems:
        # Alternatives of one stem each (most queries): each posting found is a match.
        found_sql = f"""
            SELECT s.item_id, q.grp, {_score("s.in_title", "s.title_terms", "s.weight * q.weight")} AS score
            FROM {postings.source} WHERE {where}"""
    else:
        # An alternative of several stems matches where all of them are found.
        score = _score("in_title = need", "title_terms", "weights")
        found_sql = f"""
            SELECT item_id, grp, {score} AS score
            FROM (
                SELECT s.item_id, q.grp, q.alt, max(q.need) AS need, count(*) AS found,
                       sum(CASE WHEN s.in_title THEN 1 ELSE 0 END) AS in_title,
                       sum(s.weight * q.weight) AS weights, max(s.title_terms) AS title_terms
                FROM {postings.source} WHERE {where}
                GROUP BY s.item_id, q.grp, q.alt
            ) AS alternatives
            WHERE found = need"""
    if all(len(group.alternatives) == 1 for group in query_plan.groups) and single_stems:
        # One stem per group: each is found once in an item at most.
        groups = "SELECT * FROM found"
    else:
        # A group is found by its best alternative.
        groups = "SELECT item_id, grp, max(score) AS score FROM found GROUP BY item_id, grp"
    phrases = f"WHERE {' AND '.join(phrase_filters)}" if phrase_filters else ""
    if len(query_plan.groups) == 1 and len(query_plan.alternatives) == 1 and single_stems:
        # One stem in all: each item is found once, nothing to add up.
        ranking = f"SELECT item_id, score AS rank FROM groups {phrases}"
    else:
        # Each group's score added in the groups' order, whatever order the rows come in: the
        # same rank to the last bit however the rows are read, so that ties stay ties.
        rank = " + ".join(
            f"coalesce(max(CASE WHEN grp = {g} THEN score END), 0)" for g in range(len(query_plan.groups))
        )
        ranking = f"""
            SELECT item_id, {rank} AS rank FROM groups {phrases}
            GROUP BY item_id {having if required else ""}"""
    ctes = f"""{postings.ctes},
        found AS ({found_sql}),
        groups AS ({groups})"""
    return _Ranking(ctes, ranking, postings, phrase_params)


def count_matches(query_plan: Plan, ranking: _Ranking) -> int:
    """How many items a ranking finds, ranking them only where the ranking decides what matches
    (a quoted phrase, an alternative of several stems)."""
    if query_plan.phrases or any(len(alt.stems) > 1 for alt in query_plan.alternatives):
        sql = f"WITH {ranking.ctes}, ranked AS ({ranking.select}) SELECT count(*) FROM ranked"
    else:
        # Every posting found is a match, and no group is required: the items holding any stem,
        # each of them once for one stem.
        postings = ranking.postings
        once = "" if len(query_plan.alternatives) == 1 else "GROUP BY s.item_id"
        sql = f"""
            WITH {postings.ctes}
            SELECT count(*) FROM (
                SELECT s.item_id FROM {postings.source} WHERE {postings.where} {once}
            ) AS matches"""
    return ranking.execute(sql).scalar() or 0


def _score(in_title: str, title_terms: str, weights: str) -> str:
    """A group's score: 1 for being found, then 1/100 if in the name, and the share of the name's
    words it is, over 10,000; its weights (below 2,000 for the most groups a query has) break
    ties below those steps."""
    return (
        f"1 + CASE WHEN {in_title} THEN 0.01 + CAST(0.0001 AS DOUBLE PRECISION) / {title_terms} ELSE 0 END"
        f" + {weights} / 10000000000"
    )


def _stems(text: str) -> list[str]:
    return [text_words.stem(part) for word in text_words.words(text) for part in word.parts]


def search(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None,
    page: int,
    page_size: int,
) -> tuple[list[Hit], int]:
    """A page of hits, best first, and how many there are."""
    if not query_plan.groups:
        return [], 0
    offset = (page - 1) * page_size
    rows, total = _page_from_sets(
        query_plan, found, statuses=statuses, type=type, offset=offset, limit=page_size
    ) or _page_from_ranking(query_plan, found, statuses=statuses, type=type, offset=offset, limit=page_size)
    hits = []
    for row in rows:
        snippet, highlights = make_snippet(row.body, query_plan.alternatives)
        hits.append(Hit(ItemRef(row.type, row.slug, row.title), snippet, highlights, row.rank))
    return hits, total


def _page_from_ranking(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None,
    offset: int,
    limit: int,
) -> tuple[list[sa.Row], int]:
    """The page and the total from a ranking of every match."""
    ranking = _ranking(query_plan, found, statuses=statuses, type=type, in_title=False)
    # On PostgreSQL, where each statement is a round trip, the page carries its count. On SQLite,
    # where a statement is a call, counting apart costs less: read twice in one statement, the
    # ranking is kept at each of its steps (0.8 ms, against 0.25 and 0.07 apart, for a word found
    # in 1,500 of 30,000 items).
    together = _is_postgresql()
    rows = _best(ranking, limit=limit, offset=offset, counted=together).all()
    if rows and together:
        total = rows[0].total
    elif len(rows) < limit and (rows or offset == 0):
        # The last page: what comes before it and what it holds are all there is.
        total = offset + len(rows)
    else:
        total = count_matches(query_plan, ranking)
    return rows, total


def _page_from_sets(
    query_plan: Plan,
    found: Lexicon,
    *,
    statuses: Sequence[str],
    type: str | Sequence[str] | None,
    offset: int,
    limit: int,
) -> tuple[list[sa.Row], int] | None:
    """The page and the total from the stored sets, ranking only the items that can be on the page;
    None where the sets cannot tell (an editor's statuses, a quoted phrase, an alternative of
    several stems) or where the page would need too many items ranked.

    An item found by more of the query's groups ranks above one found by fewer, whatever else:
    so the items are split into tiers by the number of groups they are found by, and only the
    tiers the page reaches into are ranked. A tier of one group is usually the largest; its best
    items are read from each stem's rows, best first, without reading them all."""
    if (
        tuple(statuses) != ("published",)
        or query_plan.phrases
        or any(len(alt.stems) > 1 for alt in query_plan.alternatives)
    ):
        return None
    groups = _group_sets(query_plan, found, type)
    # at_least[m]: the items found by m groups or more.
    at_least = [BitMap() for _ in range(len(groups) + 2)]
    for items in groups:
        for m in range(len(groups), 1, -1):
            at_least[m] |= at_least[m - 1] & items
        at_least[1] |= items
    total = len(at_least[1])
    if offset >= total:
        return [], total
    if total <= RANKED_AT_ONCE:
        # Few matches: all of them ranked, each stem's rows read in one range.
        every_match = _ranking(query_plan, found, statuses=statuses, type=type, in_title=False)
        return _best(every_match, limit=limit, offset=offset).all(), total
    # The tiers, best first: those wholly before the page are only counted (`before`), those the
    # page reaches into give their best items (`candidates`).
    candidates, before, place = BitMap(), 0, 0
    for m in range(len(groups), 0, -1):
        tier = at_least[m] - at_least[m + 1]
        wanted = offset + limit - place  # how many of this tier, best first, reach the page
        if place + len(tier) <= offset:
            before += len(tier)
        elif wanted > 0:
            if len(tier) <= RANKED_AT_ONCE:
                best = tier
            elif m == 1 and wanted + len(at_least[2]) <= READ_AHEAD:
                best = _best_found_once(query_plan, found, type, tier, wanted, len(at_least[2]))
            else:
                best = None
            if best is None:
                return None
            candidates |= best
        place += len(tier)
    ranking = _ranking(query_plan, found, statuses=statuses, type=type, in_title=False, items=candidates)
    return _best(ranking, limit=limit, offset=offset - before).all(), total


def _group_sets(query_plan: Plan, found: Lexicon, type: str | Sequence[str] | None) -> list[BitMap]:
    """The published items each group finds (by any of its alternatives), of the types asked for.
    Each set is read once for each generation of search, like the lexicon that keeps it."""
    types = [type] if isinstance(type, str) else list(type or ())
    names = [f"stem {alt.stems[0]}" for alt in query_plan.alternatives] + [f"type {kind}" for kind in types]
    stored = {name: found.sets[name] for name in names if name in found.sets}
    if missing := [name for name in names if name not in stored]:
        params: dict[str, object] = {}
        rows = _run(
            f"SELECT name, item_ids FROM search_sets WHERE name IN ({_listed('names', missing, params)})",
            params,
        )
        read = {name: FrozenBitMap.deserialize(item_ids) for name, item_ids in rows}
        # Only sets that exist are kept: a query of made-up words cannot fill the room.
        if len(found.sets) + len(read) <= SETS_KEPT:
            found.sets |= read
        stored |= dict.fromkeys(missing, FrozenBitMap()) | read
    groups = [
        BitMap().union(*(stored[f"stem {alt.stems[0]}"] for alt in group.alternatives))
        for group in query_plan.groups
    ]
    if types:
        of_types = BitMap().union(*(stored[f"type {kind}"] for kind in types))
        groups = [items & of_types for items in groups]
    return groups


def _best_found_once(
    query_plan: Plan, found: Lexicon, type: str | Sequence[str] | None, tier: BitMap, wanted: int, others: int
) -> BitMap | None:
    """The `wanted` best items of those found by one group only (`tier`), where `others` items are
    found by more; None where the order read cannot be trusted (below).

    Each stem's rows are read best first, as the ranking scores them: among a stem's first
    `wanted + others` rows are its `wanted` best of the tier, and so among all the stems' first
    rows are the tier's best. Outside names, a row's score grows with its weight alone. In names,
    a shorter name scores more by a step that no weight makes up for, up to names of
    NAME_WORDS_IN_ORDER words (by the bounds on a text's length); where a stem's rows read reach
    a longer name, the page is ranked in full."""
    postings = _postings(query_plan, found, statuses=("published",), type=type, in_title=False)
    read = wanted + others
    lists = []
    for g, group in enumerate(query_plan.groups):
        for a, _ in enumerate(group.alternatives):
            score = _score("s.in_title", "s.title_terms", f"s.weight * :w{g}_{a}_0")
            for titled, order in (("TRUE", "s.title_terms, s.weight DESC"), ("FALSE", "s.weight DESC")):
                lists.append(
                    f"""SELECT * FROM (
                        SELECT s.item_id, {score} AS score, s.in_title, s.title_terms, {len(lists)} AS list
                        FROM search_terms s
                        WHERE s.term = :t{g}_{a}_0 AND s.in_title = {titled} AND {postings.where}
                        ORDER BY {order}, s.item_id LIMIT :read
                    ) AS list_{len(lists)}"""
                )
    rows = _run(" UNION ALL ".join(lists), postings.params | {"read": read}).all()
    lengths = Counter(row.list for row in rows)
    if any(
        row.in_title and row.title_terms > NAME_WORDS_IN_ORDER and lengths[row.list] == read for row in rows
    ):
        return None
    best = BitMap()
    for row in sorted(rows, key=lambda row: (-row.score, row.item_id)):
        if row.item_id in tier:
            best.add(row.item_id)
            if len(best) == wanted:
                break
    return best


def suggest(query_plan: Plan, found: Lexicon, *, limit: int = SUGGESTIONS) -> list["Suggestion"]:
    """Names and questions that hold every word typed (the last may be unfinished), best first."""
    if not query_plan.groups:
        return []
    ranking = _ranking(query_plan, found, statuses=("published",), type=None, in_title=True)
    return [
        Suggestion(ItemRef(row.type, row.slug, row.title), highlights(row.title, query_plan.alternatives))
        for row in _best(ranking, limit=limit).all()
    ]


# --- Snippets ----------------------------------------------------------------------------------


# A word's place in a text: [start, end) and the terms it is found by.
Place = tuple[int, int, frozenset[str]]


def _matched(text: str, alternatives: Sequence[Alternative]) -> tuple[list[Place], dict[int, frozenset[str]]]:
    """The words of the text, and by the place of each word the query found, the query's stems
    it stands for: a word found alone, a joined word whose parts were looked for, or a word of
    several looked for together, all of which the text has. Found through the text's index of
    terms: the cost is in the words found, not in the length of the text."""
    places, by_term, in_text = _analysed(text)
    stems: set[str] = set()
    for alt in alternatives:
        if len(alt.stems) == 1 or (not alt.joined and in_text.issuperset(alt.stems)):
            stems.update(alt.stems)
    found = {index: places[index][2] & stems for stem in stems for index in by_term.get(stem, ())}
    for alt in alternatives:
        if alt.joined:
            holding_all = set.intersection(*(set(by_term.get(part, ())) for part in alt.stems))
            found |= {index: places[index][2] for index in holding_all if index not in found}
    return places, found


@functools.lru_cache(maxsize=128)
def _analysed(text: str) -> tuple[list[Place], dict[str, tuple[int, ...]], frozenset[str]]:
    """The words of a text with the terms each is found by, the places of each term, and all of
    them: the same texts are shown again and again, so each is analysed once (the last few, so
    that long texts cannot fill a worker's memory)."""
    places = [(word.start, word.end, frozenset(text_words.terms(word))) for word in text_words.words(text)]
    by_term: dict[str, list[int]] = {}
    for index, (_, _, terms) in enumerate(places):
        for term in terms:
            by_term.setdefault(term, []).append(index)
    return places, {term: tuple(indexes) for term, indexes in by_term.items()}, frozenset(by_term)


def highlights(text: str, alternatives: Sequence[Alternative]) -> list[tuple[int, int]]:
    """[start, end) of each word of the text that the query found (offsets in characters)."""
    places, found = _matched(text, alternatives)
    return [places[index][:2] for index in sorted(found)]


def make_snippet(text: str, alternatives: Sequence[Alternative]) -> tuple[str, list[tuple[int, int]]]:
    """About SNIPPET_WORDS words of the text around the most matched words, and their places."""
    places, found = _matched(text, alternatives)
    if not places:
        return "", []
    # A window of words slides over the text, ending at the first full window and then at each
    # word found: the first with the most different stems found, then the most words found, wins.
    marked = sorted(found)
    first_end = min(SNIPPET_WORDS, len(places)) - 1
    # How often each stem is found in the window, and how many stems are found in it at all.
    in_window: dict[str, int] = {}
    distinct = entering = leaving = 0
    best, best_score = 0, (-1, -1)
    for end in [first_end, *(index for index in marked if index > first_end)]:
        start = max(end - SNIPPET_WORDS + 1, 0)
        while entering < len(marked) and marked[entering] <= end:
            for stem in found[marked[entering]]:
                in_window[stem] = in_window.get(stem, 0) + 1
                distinct += in_window[stem] == 1
            entering += 1
        while leaving < entering and marked[leaving] < start:
            for stem in found[marked[leaving]]:
                in_window[stem] -= 1
                distinct -= in_window[stem] == 0
            leaving += 1
        score = (distinct, entering - leaving)
        if score > best_score:
            best, best_score = start, score
    window = places[best : best + SNIPPET_WORDS]
    begin = 0 if best == 0 else window[0][0]
    end = len(text) if best + SNIPPET_WORDS >= len(places) else window[-1][1]
    prefix = "" if begin == 0 else "\u2026"
    suffix = "" if end == len(text) else "\u2026"
    shift = len(prefix) - begin
    shown = [places[index] for index in marked if best <= index < best + SNIPPET_WORDS]
    return prefix + text[begin:end] + suffix, [(start + shift, stop + shift) for start, stop, _ in shown]
