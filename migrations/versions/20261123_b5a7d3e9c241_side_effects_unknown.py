"""A therapy's side effects may be unknown (NULL), told apart from none ([]).

Revision ID: b5a7d3e9c241
Revises: 9e4b2c6d8f13
Create Date: 2026-11-23 21:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b5a7d3e9c241"
down_revision = "9e4b2c6d8f13"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("therapies") as batch:
        batch.alter_column("side_effects", existing_type=sa.JSON(), nullable=True)


def downgrade():
    op.execute("UPDATE therapies SET side_effects = '[]' WHERE side_effects IS NULL")
    with op.batch_alter_table("therapies") as batch:
        batch.alter_column("side_effects", existing_type=sa.JSON(), nullable=False)
