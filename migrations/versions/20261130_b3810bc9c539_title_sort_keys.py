"""Lists sort names, questions and titles whatever their case: each item keeps its title's sort key
(`title_key`, service.domain.text.sort_key), indexed for a list's order.

Before, "CAR T-cell therapy" came before "Cancer vaccines" on SQLite (upper case first), and
PostgreSQL sorted by its database's collation. The key is compared character by character on both
(PostgreSQL's "C" collation is SQLite's BINARY), so both give one order.

Revision ID: b3810bc9c539
Revises: eecee2e022dd
Create Date: 2026-11-30 08:00:00

"""

import sqlalchemy as sa
from alembic import op

from service.domain.text import sort_key

revision = "b3810bc9c539"
down_revision = "eecee2e022dd"
branch_labels = None
depends_on = None

# Each type's table and title column, as they stand at this revision.
TITLES = {
    "therapy": ("therapies", "name"),
    "mechanism": ("mechanisms", "name"),
    "indication": ("indications", "name"),
    "faq": ("faqs", "question"),
    "source": ("sources", "title"),
}
INDEX = "ix_content_items_type_status_title_key"


def upgrade():
    bind = op.get_bind()
    key_type = sa.Text(collation="C") if bind.dialect.name == "postgresql" else sa.Text()
    op.add_column("content_items", sa.Column("title_key", key_type, nullable=True))
    update = sa.text("UPDATE content_items SET title_key = :key WHERE id = :id")
    for table, column in TITLES.values():
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
        if rows:
            bind.execute(update, [{"id": item_id, "key": sort_key(title)} for item_id, title in rows])
    with op.batch_alter_table("content_items") as batch:
        batch.alter_column("title_key", existing_type=key_type, nullable=False)
        batch.create_index(INDEX, ["type", "status", "title_key", "id"])


def downgrade():
    with op.batch_alter_table("content_items") as batch:
        batch.drop_index(INDEX)
        batch.drop_column("title_key")
