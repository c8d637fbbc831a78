"""Search that forgives: an index of stems (search_terms), the vocabulary of published content
(search_words), and a display index of plain text with the stems of every word in order, for
quoted phrases (search_index): plain tables on both databases, in place of FTS5 and tsvector.

The content already there is indexed with the service's own pure text functions
(`service.domain.search.build_document` and `entries`), from rows read as they stand at this
revision.

Revision ID: f3c9a1d5e7b2
Revises: f3a9c2d7b1e4
Create Date: 2026-11-30 06:00:00

"""

import json
from collections import Counter

import sqlalchemy as sa
from alembic import op

from service.domain.claims import MARKER
from service.domain.search import build_document, entries, indexed_document

revision = "f3c9a1d5e7b2"
down_revision = "f3a9c2d7b1e4"
branch_labels = None
depends_on = None

# Each searched type as it stands at this revision: (table, title column, text columns,
# Markdown columns, list columns).
DOCUMENTS = {
    "therapy": ("therapies", "name", ("summary",), ("body_markdown",), ("examples", "side_effects")),
    "mechanism": ("mechanisms", "name", ("summary",), ("body_markdown",), ("targets",)),
    "indication": ("indications", "name", ("summary",), (), ()),
    "faq": ("faqs", "question", (), ("answer_markdown",), ()),
}


def upgrade():
    bind = op.get_bind()
    op.execute("DROP TABLE search_index")
    # Plain tables, the same on both databases, so that both give the same answers.
    op.execute(
        """
        CREATE TABLE search_index (
            item_id INTEGER PRIMARY KEY REFERENCES content_items (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            extra TEXT NOT NULL,
            stems TEXT NOT NULL
        )
        """
    )
    if bind.dialect.name == "sqlite":
        # Clustered by the key: a term's rows are read in one range, names' stems first, which
        # suggestions read alone.
        op.execute(
            """
            CREATE TABLE search_terms (
                term TEXT NOT NULL,
                item_id INTEGER NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                published BOOLEAN NOT NULL,
                in_title BOOLEAN NOT NULL,
                weight FLOAT NOT NULL,
                title_terms INTEGER NOT NULL,
                PRIMARY KEY (term, in_title, item_id)
            ) WITHOUT ROWID
            """
        )
        op.execute(
            "CREATE TABLE search_words (word TEXT PRIMARY KEY, stem TEXT NOT NULL, documents INTEGER NOT NULL) "
            "WITHOUT ROWID"
        )
    else:
        # The key's index carries every column a search reads (it ranks on the index alone),
        # names' stems first, which suggestions read alone.
        op.execute(
            """
            CREATE TABLE search_terms (
                term TEXT NOT NULL,
                item_id INTEGER NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                published BOOLEAN NOT NULL,
                in_title BOOLEAN NOT NULL,
                weight DOUBLE PRECISION NOT NULL,
                title_terms INTEGER NOT NULL,
                PRIMARY KEY (term, in_title, item_id) INCLUDE (type, published, weight, title_terms)
            )
            """
        )
        op.execute("CREATE TABLE search_words (word TEXT PRIMARY KEY, stem TEXT NOT NULL, documents INTEGER NOT NULL)")
    op.execute("CREATE INDEX ix_search_terms_item_id ON search_terms (item_id)")
    _index_content(bind)


def _index_content(bind) -> None:
    topics: dict[int, list[str]] = {}
    for faq_id, topic in bind.execute(sa.text("SELECT faq_id, topic FROM faq_topics ORDER BY position")):
        topics.setdefault(faq_id, []).append(topic)
    vocabulary: Counter[str] = Counter()
    stems: dict[str, str] = {}
    insert_display = sa.text(
        "INSERT INTO search_index (item_id, title, body, extra, stems) VALUES (:id, :title, :body, :extra, :stems)"
    )
    insert_terms = sa.text(
        "INSERT INTO search_terms (term, item_id, type, published, in_title, weight, title_terms) "
        "VALUES (:term, :item_id, :type, :published, :in_title, :weight, :title_terms)"
    )
    for type_, (table, title, texts, markdowns, lists) in DOCUMENTS.items():
        names = "" if type_ == "faq" else ", t.alternate_names"
        columns = ", ".join(f"t.{column}" for column in (title, *texts, *markdowns, *lists))
        rows = bind.execute(
            sa.text(f"SELECT t.id, c.status{names}, {columns} FROM {table} t JOIN content_items c ON c.id = t.id")
        ).mappings()
        for row in rows:
            listed = [entry for name in lists for entry in _json(row[name])]
            listed += topics.get(row["id"], [])
            doc = build_document(
                row[title],
                _json(row["alternate_names"]) if names else (),
                [row[name] for name in texts],
                [row[name] for name in markdowns],
                listed,
            )
            found = entries(doc)
            published = row["status"] == "published"
            bind.execute(insert_display, {"id": row["id"], **indexed_document(doc)})
            if found.terms:
                bind.execute(
                    insert_terms,
                    [
                        {
                            "term": term,
                            "item_id": row["id"],
                            "type": type_,
                            "published": published,
                            "in_title": in_title,
                            "weight": weight,
                            "title_terms": found.title_terms,
                        }
                        for term, (in_title, weight) in found.terms.items()
                    ],
                )
            if published:
                vocabulary.update(found.vocabulary.keys())
                stems |= found.vocabulary
    if vocabulary:
        bind.execute(
            sa.text("INSERT INTO search_words (word, stem, documents) VALUES (:word, :stem, :documents)"),
            [{"word": word, "stem": stems[word], "documents": count} for word, count in vocabulary.items()],
        )


def _json(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def downgrade():
    """The full-text index as it stood: FTS5 or a tsvector, of each item's name and its text as
    the service then wrote it (summary, Markdown without footnote markers, lists)."""
    bind = op.get_bind()
    op.execute("DROP TABLE search_words")
    op.execute("DROP TABLE search_terms")
    op.execute("DROP TABLE search_index")
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5(title, body, tokenize = 'porter unicode61')")
        insert = sa.text("INSERT INTO search_index (rowid, title, body) VALUES (:id, :title, :body)")
    else:
        op.execute(
            """
            CREATE TABLE search_index (
                item_id INTEGER PRIMARY KEY REFERENCES content_items (id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                document TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
                ) STORED
            )
            """
        )
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING GIN (document)")
        insert = sa.text("INSERT INTO search_index (item_id, title, body) VALUES (:id, :title, :body)")
    topics: dict[int, list[str]] = {}
    for faq_id, topic in bind.execute(sa.text("SELECT faq_id, topic FROM faq_topics ORDER BY position")):
        topics.setdefault(faq_id, []).append(topic)
    for type_, (table, title, texts, markdowns, lists) in DOCUMENTS.items():
        names = () if type_ == "faq" else ("alternate_names",)
        columns = ", ".join((title, *texts, *markdowns, *names, *lists))
        for row in bind.execute(sa.text(f"SELECT id, {columns} FROM {table}")).mappings():
            parts = [row[name] for name in texts] + [MARKER.sub("", row[name]) for name in markdowns]
            parts += [entry for name in (*names, *lists) for entry in _json(row[name])]
            parts += topics.get(row["id"], [])
            bind.execute(insert, {"id": row["id"], "title": row[title], "body": "\n".join(parts)})
