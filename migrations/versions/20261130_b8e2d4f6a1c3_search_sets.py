"""The published items of each stem and of each type, as compressed bitmaps (search_sets): a
search counts its matches and splits them by how many of its words they have from these, where it
read every match's rows before. And an index of each stem's rows by weight, from which a search
reads the best items found by one of its words without reading them all.

Revision ID: b8e2d4f6a1c3
Revises: c5d8e3a1f7b9
Create Date: 2026-11-30 19:45:00

"""

import sqlalchemy as sa
from alembic import op
from pyroaring import BitMap

revision = "b8e2d4f6a1c3"
down_revision = "c5d8e3a1f7b9"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "search_sets",
        sa.Column("name", sa.String, nullable=False),
        sa.Column("item_ids", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_search_sets"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Carrying what a search reads of the rows, so that it reads the index alone.
        op.execute(
            "CREATE INDEX ix_search_terms_by_weight ON search_terms (term, in_title, weight DESC, item_id) "
            "INCLUDE (published, type, title_terms)"
        )
    else:
        op.execute("CREATE INDEX ix_search_terms_by_weight ON search_terms (term, in_title, weight DESC, item_id)")
    sets: dict[str, BitMap] = {}
    postings = op.get_bind().execute(sa.text("SELECT term, item_id, type FROM search_terms WHERE published"))
    for term, item_id, type in postings:
        sets.setdefault(f"stem {term}", BitMap()).add(item_id)
        sets.setdefault(f"type {type}", BitMap()).add(item_id)
    op.bulk_insert(table, [{"name": name, "item_ids": items.serialize()} for name, items in sorted(sets.items())])


def downgrade():
    op.drop_index("ix_search_terms_by_weight", table_name="search_terms")
    op.drop_table("search_sets")
