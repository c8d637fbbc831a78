"""Synonyms that search expands queries with: the sets editors manage, and the history of each,
kept after a set is deleted.

Revision ID: f3a9c2d7b1e4
Revises: e5b8c1d7a3f6
Create Date: 2026-11-30 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f3a9c2d7b1e4"
down_revision = "e5b8c1d7a3f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "synonym_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("one_way", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_synonym_sets_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_sets")),
        # A deleted set's id is never given to another: its revisions name it alone.
        sqlite_autoincrement=True,
    )
    # No foreign key to the sets: a deleted set's history stays.
    op.create_table(
        "synonym_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("synonym_set_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("one_way", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("person", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('created', 'updated', 'deleted')", name=op.f("ck_synonym_revisions_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_revisions")),
        sa.UniqueConstraint(
            "synonym_set_id", "version", name=op.f("uq_synonym_revisions_synonym_set_id_version")
        ),
    )


def downgrade():
    op.drop_table("synonym_revisions")
    op.drop_table("synonym_sets")
