"""Each item's times in order: created_at no later than published_at and updated_at.

The editing path stamped updated_at (and published_at) before the INSERT, while created_at was left
to the column's default and read at the INSERT itself, a moment later: every item written in one
step (the whole seed) was created after it was last changed. The three are one moment now; an item
so stamped is moved back to the earliest of them. Nothing else changes (ETags use updated_at).

Revision ID: eecee2e022dd
Revises: f3c9a1d5e7b2
Create Date: 2026-11-30 08:00:00

"""

from alembic import op

revision = "eecee2e022dd"
down_revision = "f3c9a1d5e7b2"
branch_labels = None
depends_on = None


def upgrade():
    # published_at is never later than updated_at, so the second statement finds the earliest.
    for column in ("updated_at", "published_at"):
        op.execute(f"UPDATE content_items SET created_at = {column} WHERE {column} < created_at")


def downgrade():
    # The old order was a defect, not data: nothing to bring back.
    pass
