"""The published items of each stem and of each type, as compressed bitmaps (search_sets): a
search counts its matches and splits them by how many of its words they have from these, where it
read every match's rows before. And indexes of each stem's rows in the order a search scores
them, from which it reads the best items found by one of its words without reading them all.

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
    # Each stem's rows in the order a search scores them: in names, by the name's length, then
    # the weight; elsewhere by the weight. Partial, so that a ranking of every match still reads
    # each stem's rows by the primary key, which holds all it needs.
    by_name = "ON search_terms (term, title_terms, weight DESC, item_id)"
    by_weight = "ON search_terms (term, weight DESC, item_id)"
    if op.get_bind().dialect.name == "postgresql":
        # Carrying what a search reads of the rows, so that it reads the indexes alone; the rows
        # of a page's items are read by their ids.
        carried = "INCLUDE (in_title, published, type"
        op.execute(f"CREATE INDEX ix_search_terms_by_name {by_name} {carried}) WHERE in_title = TRUE")
        op.execute(
            f"CREATE INDEX ix_search_terms_by_weight {by_weight} {carried}, title_terms) WHERE in_title = FALSE"
        )
        op.execute("DROP INDEX ix_search_terms_item_id")
        op.execute(
            "CREATE INDEX ix_search_terms_item_id ON search_terms (item_id) "
            "INCLUDE (term, in_title, published, weight, title_terms, type)"
        )
    else:
        op.execute(f"CREATE INDEX ix_search_terms_by_name {by_name} WHERE in_title = TRUE")
        op.execute(f"CREATE INDEX ix_search_terms_by_weight {by_weight} WHERE in_title = FALSE")
    sets: dict[str, BitMap] = {}
    postings = op.get_bind().execute(sa.text("SELECT term, item_id, type FROM search_terms WHERE published"))
    for term, item_id, type in postings:
        sets.setdefault(f"stem {term}", BitMap()).add(item_id)
        sets.setdefault(f"type {type}", BitMap()).add(item_id)
    for items in sets.values():
        items.run_optimize()
    op.bulk_insert(table, [{"name": name, "item_ids": items.serialize()} for name, items in sorted(sets.items())])


def downgrade():
    op.execute("DROP INDEX ix_search_terms_by_name")
    op.execute("DROP INDEX ix_search_terms_by_weight")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_terms_item_id")
        op.execute("CREATE INDEX ix_search_terms_item_id ON search_terms (item_id)")
    op.drop_table("search_sets")
