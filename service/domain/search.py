"""Full-text search on the database's own engine: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

The `search_index` table is made by a migration, one row per searchable item (title and body
text), and kept in step by the editing path (`index_item`). User input never reaches the query syntax: it is
split into terms (a double-quoted run is one phrase), and each term is matched as a phrase of
plain words, so quotes, operators and parentheses are only ever data.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from service.domain import claims
from service.domain.content import kind_of
from service.domain.db import db
from service.domain.models import ContentItem

MAX_TERMS = 16
SNIPPET_WORDS = 24

_TERMS = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    item: ContentItem
    snippet: str
    rank: float


def terms(query: str) -> list[str]:
    """The phrases to look for: double-quoted runs stay together, other words stand alone."""
    found = [(quoted or bare).strip() for quoted, bare in _TERMS.findall(query)]
    return [term for term in found if _WORD.search(term)][:MAX_TERMS]


def document(item: ContentItem) -> tuple[str, str]:
    """What an item is found by: its title, and its other text (summary, body, lists)."""
    kind = kind_of(item)
    parts = [str(getattr(item, name)) for name in ("summary",) if hasattr(item, name)]
    # Footnote markers name citations: they are not words anyone searches for.
    parts += [claims.MARKER.sub("", getattr(item, f"{name}_markdown")) for name in kind.markdown_fields]
    for name in kind.fields:
        value = getattr(item, name)
        if isinstance(value, list):
            parts.extend(value)
    return item.title, "\n".join(parts)


def index_item(item: ContentItem) -> None:
    """Its row of the index, written anew; a kind that is not searched (sources) has none."""
    if not kind_of(item).searchable:
        return
    title, body = document(item)
    # On SQLite the FTS5 rowid is the item's id; on PostgreSQL, item_id is the primary key.
    id_column = "rowid" if _is_sqlite() else "item_id"
    db.session.execute(sa.text(f"DELETE FROM search_index WHERE {id_column} = :id"), {"id": item.id})
    db.session.execute(
        sa.text(f"INSERT INTO search_index ({id_column}, title, body) VALUES (:id, :title, :body)"),
        {"id": item.id, "title": title, "body": body},
    )


def search_index_rows() -> dict[int, tuple[str, str]]:
    """The whole index, item id to (title, body): what `flask check` compares with the items."""
    id_column = "rowid" if _is_sqlite() else "item_id"
    rows = db.session.execute(sa.text(f"SELECT {id_column}, title, body FROM search_index"))
    return {item_id: (title, body) for item_id, title, body in rows}


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _fts5_query(phrases: Sequence[str]) -> str:
    # Each phrase is an FTS5 string: its double quotes doubled, the rest taken as plain words.
    return " ".join('"' + phrase.replace('"', '""') + '"' for phrase in phrases)


def matches(phrases: Sequence[str]) -> sa.Subquery:
    """(item_id, rank) of the items matching every phrase; a higher rank is a better match."""
    if _is_sqlite():
        statement = sa.text(
            "SELECT rowid AS item_id, -bm25(search_index, 10.0, 1.0) AS rank "
            "FROM search_index WHERE search_index MATCH :fts_query"
        ).bindparams(fts_query=_fts5_query(phrases))
    else:
        tsquery = " && ".join(f"phraseto_tsquery('english', :term_{i})" for i in range(len(phrases)))
        statement = sa.text(
            f"SELECT item_id, ts_rank_cd(document, {tsquery}) AS rank "
            f"FROM search_index WHERE document @@ ({tsquery})"
        ).bindparams(**{f"term_{i}": phrase for i, phrase in enumerate(phrases)})
    return statement.columns(item_id=sa.Integer, rank=sa.Float).subquery("matches")


def snippets(item_ids: Sequence[int], phrases: Sequence[str]) -> dict[int, str]:
    """A short plain-text extract around the match, for each item: one query for the page."""
    if not item_ids:
        return {}
    if _is_sqlite():
        statement = sa.text(
            f"SELECT rowid, snippet(search_index, 1, '', '', '…', {SNIPPET_WORDS}) "
            "FROM search_index WHERE search_index MATCH :fts_query AND rowid IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True), fts_query=_fts5_query(phrases), ids=list(item_ids))
    else:
        tsquery = " && ".join(f"phraseto_tsquery('english', :term_{i})" for i in range(len(phrases)))
        options = f'StartSel="",StopSel="",MaxWords={SNIPPET_WORDS},MinWords=8,MaxFragments=1'
        statement = sa.text(
            f"SELECT item_id, ts_headline('english', body, {tsquery}, '{options}') "
            "FROM search_index WHERE item_id IN :ids"
        ).bindparams(
            sa.bindparam("ids", expanding=True),
            ids=list(item_ids),
            **{f"term_{i}": phrase for i, phrase in enumerate(phrases)},
        )
    return {item_id: snippet for item_id, snippet in db.session.execute(statement)}
