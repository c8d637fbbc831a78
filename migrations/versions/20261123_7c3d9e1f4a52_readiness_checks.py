"""A one-row table that /readyz writes, so that a database that cannot take writes is not ready.

Revision ID: 7c3d9e1f4a52
Revises: 5b1e0c7d2a90
Create Date: 2026-11-23 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7c3d9e1f4a52"
down_revision = "5b1e0c7d2a90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "readiness_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_checks")),
    )
    op.execute("INSERT INTO readiness_checks (id, checked_at) VALUES (1, CURRENT_TIMESTAMP)")


def downgrade():
    op.drop_table("readiness_checks")
