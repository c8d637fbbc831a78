"""Search that forgives: an index of stems (search_terms), the vocabulary of published content
(search_words), and the display index holding plain text, with lists apart from it (extra).

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

from service.domain.search import build_document, entries

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
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5(title, body, extra, tokenize = 'porter unicode61')"
        )
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
        id_column = "rowid"
    else:
        op.execute(
            """
            CREATE TABLE search_index (
                item_id INTEGER PRIMARY KEY REFERENCES content_items (id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                extra TEXT NOT NULL,
                document TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A')
                    || setweight(to_tsvector('english', body || ' ' || extra), 'B')
                ) STORED
            )
            """
        )
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING GIN (document)")
        # The primary key's index carries every column a search reads: it ranks on the index alone.
        # (On both databases the key puts a term's stems in names first: suggestions read only those.)
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
        id_column = "item_id"
    op.execute("CREATE INDEX ix_search_terms_item_id ON search_terms (item_id)")
    _index_content(bind, id_column)


def _index_content(bind, id_column: str) -> None:
    topics: dict[int, list[str]] = {}
    for faq_id, topic in bind.execute(sa.text("SELECT faq_id, topic FROM faq_topics ORDER BY position")):
        topics.setdefault(faq_id, []).append(topic)
    vocabulary: Counter[str] = Counter()
    stems: dict[str, str] = {}
    insert_display = sa.text(
        f"INSERT INTO search_index ({id_column}, title, body, extra) VALUES (:id, :title, :body, :extra)"
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
            bind.execute(
                insert_display,
                {"id": row["id"], "title": doc.title, "body": doc.body, "extra": "\n".join((*doc.names, doc.extra))},
            )
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
    bind = op.get_bind()
    id_column = "rowid" if bind.dialect.name == "sqlite" else "item_id"
    rows = bind.execute(sa.text(f"SELECT {id_column}, title, body, extra FROM search_index")).all()
    op.execute("DROP TABLE search_words")
    op.execute("DROP TABLE search_terms")
    op.execute("DROP TABLE search_index")
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5(title, body, tokenize = 'porter unicode61')")
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
    if rows:
        bind.execute(
            sa.text(f"INSERT INTO search_index ({id_column}, title, body) VALUES (:id, :title, :body)"),
            [{"id": item_id, "title": title, "body": f"{body}\n{extra}"} for item_id, title, body, extra in rows],
        )
