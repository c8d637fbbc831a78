"""Full-text search index: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.

Revision ID: 5b1e0c7d2a90
Revises: 058f05bf8bf2
Create Date: 2026-11-23 10:00:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "5b1e0c7d2a90"
down_revision = "058f05bf8bf2"
branch_labels = None
depends_on = None

# The indexed text of each type as it stood at this revision: (title column, text columns, list columns).
DOCUMENTS = {
    "therapies": ("name", ("summary", "body_markdown"), ("examples", "side_effects")),
    "mechanisms": ("name", ("summary", "body_markdown"), ("targets",)),
    "indications": ("name", ("summary",), ()),
    "faqs": ("question", ("answer_markdown",), ()),
}


def upgrade():
    bind = op.get_bind()
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

    # Index the content that is already there.
    topics = {}
    for faq_id, topic in bind.execute(sa.text("SELECT faq_id, topic FROM faq_topics ORDER BY position")):
        topics.setdefault(faq_id, []).append(topic)
    for table, (title, texts, lists) in DOCUMENTS.items():
        columns = ", ".join(("id", title, *texts, *lists))
        for row in bind.execute(sa.text(f"SELECT {columns} FROM {table}")).mappings():
            parts = [row[name] for name in texts]
            for name in lists:
                value = row[name]
                parts.extend(json.loads(value) if isinstance(value, str) else value)
            parts.extend(topics.get(row["id"], []) if table == "faqs" else [])
            bind.execute(insert, {"id": row["id"], "title": row[title], "body": "\n".join(parts)})


def downgrade():
    op.execute("DROP TABLE search_index")
