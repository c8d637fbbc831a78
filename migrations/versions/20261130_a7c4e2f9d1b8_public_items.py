"""Published items' JSON, stored as a read answers it (service.domain.public_items): an anonymous
read selects it instead of loading and serializing the item and its links.

The table starts empty: rendering needs the application's schemas, so `flask prepare` fills it
(`flask render` does it alone), and until then reads render as before.

Revision ID: a7c4e2f9d1b8
Revises: b3810bc9c539
Create Date: 2026-11-30 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c4e2f9d1b8"
down_revision = "b3810bc9c539"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_items",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("content_items.id", name="fk_public_items_item_id_content_items", ondelete="CASCADE"),
        ),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name="pk_public_items"),
    )


def downgrade():
    op.drop_table("public_items")
