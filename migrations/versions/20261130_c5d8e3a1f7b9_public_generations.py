"""A generation per scope of public reads (service.domain.generation): a change bumps only the
scopes whose public responses it alters, where before every write bumped the one generation that
every cached response and list validator was made from.

Revision ID: c5d8e3a1f7b9
Revises: a7c4e2f9d1b8
Create Date: 2026-11-30 09:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5d8e3a1f7b9"
down_revision = "a7c4e2f9d1b8"
branch_labels = None
depends_on = None

# As they stand at this revision: each content type, then search, synonyms and the change feed.
SCOPES = ("therapy", "mechanism", "indication", "faq", "source", "search", "synonyms", "changes")


def upgrade():
    table = op.create_table(
        "public_generations",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_public_generations"),
    )
    op.bulk_insert(table, [{"scope": scope, "value": 0} for scope in SCOPES])


def downgrade():
    op.drop_table("public_generations")
