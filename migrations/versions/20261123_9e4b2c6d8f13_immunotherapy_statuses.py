"""Immunotherapy statuses that say only what the sources say: `used` (no approval stated) and
`prevention` beside `approved` and `investigational`.

Revision ID: 9e4b2c6d8f13
Revises: 7c3d9e1f4a52
Create Date: 2026-11-23 21:00:00

"""

from alembic import op

revision = "9e4b2c6d8f13"
down_revision = "7c3d9e1f4a52"
branch_labels = None
depends_on = None

BEFORE = ("approved", "investigational")
AFTER = ("approved", "used", "prevention", "investigational")


def _replace_check(values):
    allowed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("indications") as batch:
        batch.drop_constraint(op.f("ck_indications_immunotherapy_status"), type_="check")
        batch.create_check_constraint("immunotherapy_status", f"immunotherapy_status IN ({allowed})")


def upgrade():
    _replace_check(AFTER)


def downgrade():
    # What the new values said cannot be said with the old ones: those conditions become investigational.
    op.execute("UPDATE indications SET immunotherapy_status = 'investigational' WHERE immunotherapy_status IN ('used', 'prevention')")
    _replace_check(BEFORE)
