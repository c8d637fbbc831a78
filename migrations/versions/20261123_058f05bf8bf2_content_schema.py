"""Content schema: items of four types, links, citations, sources, revisions, tokens.

Revision ID: 058f05bf8bf2
Revises:
Create Date: 2026-11-23 09:26:39.538250

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "058f05bf8bf2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f("ck_api_tokens_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "content_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_generation")),
    )
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')", name=op.f("ck_content_items_status")
        ),
        sa.CheckConstraint(
            "type IN ('therapy', 'mechanism', 'indication', 'faq')", name=op.f("ck_content_items_type")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_content_items_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_items")),
        sa.UniqueConstraint("type", "slug", name=op.f("uq_content_items_type_slug")),
    )
    op.create_index(op.f("ix_content_items_type_status"), "content_items", ["type", "status"])

    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("filename", name=op.f("uq_sources_filename")),
        sa.UniqueConstraint("slug", name=op.f("uq_sources_slug")),
    )
    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["content_items.id"],
            name=op.f("fk_citations_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_citations_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
    )
    op.create_index(op.f("ix_citations_item_id"), "citations", ["item_id"])
    op.create_index(op.f("ix_citations_source_id"), "citations", ["source_id"])

    op.create_table(
        "faqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("answer_markdown", sa.Text(), nullable=False),
        sa.Column("answer_html", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["content_items.id"], name=op.f("fk_faqs_id_content_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faqs")),
        sa.UniqueConstraint("question", name=op.f("uq_faqs_question")),
    )
    op.create_index(op.f("ix_faqs_position"), "faqs", ["position"])

    op.create_table(
        "indications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("immunotherapy_status", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "area IN ('cancer', 'autoimmune', 'allergy', 'infection', 'other')",
            name=op.f("ck_indications_area"),
        ),
        sa.CheckConstraint(
            "immunotherapy_status IN ('approved', 'investigational')",
            name=op.f("ck_indications_immunotherapy_status"),
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["content_items.id"], name=op.f("fk_indications_id_content_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indications")),
        sa.UniqueConstraint("name", name=op.f("uq_indications_name")),
    )
    op.create_index(op.f("ix_indications_area"), "indications", ["area"])
    op.create_index(op.f("ix_indications_immunotherapy_status"), "indications", ["immunotherapy_status"])

    op.create_table(
        "mechanisms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["content_items.id"], name=op.f("fk_mechanisms_id_content_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mechanisms")),
        sa.UniqueConstraint("name", name=op.f("uq_mechanisms_name")),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["content_items.id"],
            name=op.f("fk_revisions_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_revisions_item_id_version")),
    )
    op.create_index(op.f("ix_revisions_item_id"), "revisions", ["item_id"])

    op.create_table(
        "slug_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("old_slug", sa.String(length=120), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["content_items.id"],
            name=op.f("fk_slug_redirects_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slug_redirects")),
        sa.UniqueConstraint("type", "old_slug", name=op.f("uq_slug_redirects_type_old_slug")),
    )
    op.create_index(op.f("ix_slug_redirects_item_id"), "slug_redirects", ["item_id"])

    op.create_table(
        "therapies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("side_effects", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["content_items.id"], name=op.f("fk_therapies_id_content_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapies")),
        sa.UniqueConstraint("name", name=op.f("uq_therapies_name")),
    )
    op.create_table(
        "faq_therapies",
        sa.Column("faq_id", sa.Integer(), nullable=False),
        sa.Column("therapy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["faq_id"], ["faqs.id"], name=op.f("fk_faq_therapies_faq_id_faqs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["therapy_id"],
            ["therapies.id"],
            name=op.f("fk_faq_therapies_therapy_id_therapies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("faq_id", "therapy_id", name=op.f("pk_faq_therapies")),
    )
    op.create_index(op.f("ix_faq_therapies_therapy_id"), "faq_therapies", ["therapy_id"])

    op.create_table(
        "faq_topics",
        sa.Column("faq_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["faq_id"], ["faqs.id"], name=op.f("fk_faq_topics_faq_id_faqs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("faq_id", "topic", name=op.f("pk_faq_topics")),
    )
    op.create_index(op.f("ix_faq_topics_topic"), "faq_topics", ["topic"])

    op.create_table(
        "therapy_indications",
        sa.Column("therapy_id", sa.Integer(), nullable=False),
        sa.Column("indication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indication_id"],
            ["indications.id"],
            name=op.f("fk_therapy_indications_indication_id_indications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapy_id"],
            ["therapies.id"],
            name=op.f("fk_therapy_indications_therapy_id_therapies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("therapy_id", "indication_id", name=op.f("pk_therapy_indications")),
    )
    op.create_index(op.f("ix_therapy_indications_indication_id"), "therapy_indications", ["indication_id"])

    op.create_table(
        "therapy_mechanisms",
        sa.Column("therapy_id", sa.Integer(), nullable=False),
        sa.Column("mechanism_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mechanism_id"],
            ["mechanisms.id"],
            name=op.f("fk_therapy_mechanisms_mechanism_id_mechanisms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapy_id"],
            ["therapies.id"],
            name=op.f("fk_therapy_mechanisms_therapy_id_therapies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("therapy_id", "mechanism_id", name=op.f("pk_therapy_mechanisms")),
    )
    op.create_index(op.f("ix_therapy_mechanisms_mechanism_id"), "therapy_mechanisms", ["mechanism_id"])

    # The one row of the content generation counter.
    op.execute("INSERT INTO content_generation (id, value) VALUES (1, 0)")


def downgrade():
    op.drop_table("therapy_mechanisms")
    op.drop_table("therapy_indications")
    op.drop_table("faq_topics")
    op.drop_table("faq_therapies")
    op.drop_table("therapies")
    op.drop_table("slug_redirects")
    op.drop_table("revisions")
    op.drop_table("mechanisms")
    op.drop_table("indications")
    op.drop_table("faqs")
    op.drop_table("citations")
    op.drop_table("sources")
    op.drop_table("content_items")
    op.drop_table("content_generation")
    op.drop_table("api_tokens")
