"""What a source reveals of itself: its address, publisher, author and dates (NULL when unknown).

Revision ID: c8e1f4a2b6d9
Revises: b5a7d3e9c241
Create Date: 2026-11-23 21:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c8e1f4a2b6d9"
down_revision = "b5a7d3e9c241"
branch_labels = None
depends_on = None

COLUMNS = {
    "url": sa.String(2000),
    "publisher": sa.String(300),
    "author": sa.String(300),
    "published_on": sa.Date(),
    "retrieved_on": sa.Date(),
}


def upgrade():
    with op.batch_alter_table("sources") as batch:
        for name, type_ in COLUMNS.items():
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table("sources") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
