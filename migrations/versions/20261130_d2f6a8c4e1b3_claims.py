"""Claim-level provenance: each citation's id and the claims it supports, what an item still lacks,
other names of named items, FAQs linked to indications and indications linked to each other.

Revision ID: d2f6a8c4e1b3
Revises: d4a7b2e9f013
Create Date: 2026-11-30 03:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d2f6a8c4e1b3"
down_revision = "d4a7b2e9f013"
branch_labels = None
depends_on = None

NAMED_TABLES = ("therapies", "mechanisms", "indications")


def _link_table(name, left, right):
    (left_column, left_table), (right_column, right_table) = left, right
    op.create_table(
        name,
        sa.Column(left_column, sa.Integer(), nullable=False),
        sa.Column(right_column, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [left_column],
            [f"{left_table}.id"],
            name=op.f(f"fk_{name}_{left_column}_{left_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [right_column],
            [f"{right_table}.id"],
            name=op.f(f"fk_{name}_{right_column}_{right_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(left_column, right_column, name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_{right_column}"), name, [right_column])


def upgrade():
    # Existing citations keep their place as their id ("1", "2", ...) and support nothing yet.
    with op.batch_alter_table("citations") as batch:
        batch.add_column(sa.Column("key", sa.String(40), nullable=True))
        batch.add_column(sa.Column("supports", sa.JSON(), nullable=False, server_default="[]"))
    op.execute("UPDATE citations SET key = CAST(position + 1 AS VARCHAR(40))")
    with op.batch_alter_table("citations") as batch:
        batch.alter_column("key", existing_type=sa.String(40), nullable=False)
        batch.alter_column("supports", existing_type=sa.JSON(), server_default=None)

    with op.batch_alter_table("content_items") as batch:
        batch.add_column(sa.Column("unsupported_claims", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("content_items") as batch:
        batch.alter_column("unsupported_claims", existing_type=sa.JSON(), server_default=None)

    for table in NAMED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("alternate_names", sa.JSON(), nullable=False, server_default="[]"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("alternate_names", existing_type=sa.JSON(), server_default=None)

    _link_table("faq_indications", ("faq_id", "faqs"), ("indication_id", "indications"))
    _link_table("indication_relations", ("indication_id", "indications"), ("related_id", "indications"))


def downgrade():
    op.drop_table("indication_relations")
    op.drop_table("faq_indications")
    for table in NAMED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("alternate_names")
    with op.batch_alter_table("content_items") as batch:
        batch.drop_column("unsupported_claims")
    with op.batch_alter_table("citations") as batch:
        batch.drop_column("supports")
        batch.drop_column("key")
