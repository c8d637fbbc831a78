"""Review before publishing: the in_review status, who reviewed an item and when, the viewer and
reviewer roles, and the person behind each token and each revision.

Revision ID: e5b8c1d7a3f6
Revises: d2f6a8c4e1b3
Create Date: 2026-11-30 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5b8c1d7a3f6"
down_revision = "d2f6a8c4e1b3"
branch_labels = None
depends_on = None

OLD_STATUSES = ("draft", "published", "archived")
STATUSES = ("draft", "in_review", "published", "archived")
OLD_ROLES = ("editor", "admin")
ROLES = ("viewer", "editor", "reviewer", "admin")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    with op.batch_alter_table("content_items") as batch:
        batch.drop_constraint(op.f("ck_content_items_status"), type_="check")
        batch.create_check_constraint("status", _one_of("status", STATUSES))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(120), nullable=True))
    # Before review existed, whoever made a published version made it public: the author of the
    # item's current version, when it was made.
    op.execute(
        "UPDATE content_items SET reviewed_at = updated_at, reviewed_by = ("
        "SELECT author FROM revisions WHERE revisions.item_id = content_items.id "
        "AND revisions.version = content_items.version) WHERE status = 'published'"
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_role"), type_="check")
        batch.create_check_constraint("role", _one_of("role", ROLES))
        batch.add_column(sa.Column("person", sa.String(120), nullable=True))
    op.execute("UPDATE api_tokens SET person = name")
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("person", existing_type=sa.String(120), nullable=False)
        batch.create_index("ix_api_tokens_person", ["person"])
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("person", sa.String(120), nullable=True))
    op.execute("UPDATE revisions SET person = author")
    with op.batch_alter_table("revisions") as batch:
        batch.alter_column("person", existing_type=sa.String(120), nullable=False)


def downgrade():
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("person")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_person")
        batch.drop_column("person")
    op.execute("DELETE FROM api_tokens WHERE role NOT IN ('editor', 'admin')")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_role"), type_="check")
        batch.create_check_constraint("role", _one_of("role", OLD_ROLES))
    op.execute("UPDATE content_items SET status = 'draft' WHERE status = 'in_review'")
    with op.batch_alter_table("content_items") as batch:
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed_at")
        batch.drop_constraint(op.f("ck_content_items_status"), type_="check")
        batch.create_check_constraint("status", _one_of("status", OLD_STATUSES))
