"""Sources become content items (type `source`): status, versions, revisions and redirects like
every item; their text and checksum stay as they are.

Each source gets a `content_items` row (published, version 1, its own times) and a first revision
by `seed` (the seed loaded every source there was), and takes that row's id: `citations.source_id`
moves to the new ids. Slug and times move to `content_items`; the file name goes.

Revision ID: d4a7b2e9f013
Revises: c8e1f4a2b6d9
Create Date: 2026-11-24 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d4a7b2e9f013"
down_revision = "c8e1f4a2b6d9"
branch_labels = None
depends_on = None

TYPES = ("therapy", "mechanism", "indication", "faq")
# What a source's revision keeps, as the editing path wrote it at this revision.
SNAPSHOT_FIELDS = ("title", "url", "publisher", "author", "published_on", "retrieved_on")
DATE_FIELDS = ("published_on", "retrieved_on")
# The columns that move to content_items (slug and times) or go (the seed's file name).
MOVED = {
    "slug": sa.String(120),
    "filename": sa.String(300),
    "created_at": sa.DateTime(timezone=True),
    "updated_at": sa.DateTime(timezone=True),
}
# The id of a source's content item, found by its slug (slugs are unique among sources).
ITEM_OF_SOURCE = (
    "SELECT content_items.id FROM content_items "
    "WHERE content_items.type = 'source' AND content_items.slug = sources.slug"
)


def _allow_types(types):
    allowed = ", ".join(f"'{type_}'" for type_ in types)
    with op.batch_alter_table("content_items") as batch:
        batch.drop_constraint(op.f("ck_content_items_type"), type_="check")
        batch.create_check_constraint("type", f"type IN ({allowed})")


def _citations_refer_to_sources(refer: bool):
    with op.batch_alter_table("citations") as batch:
        if refer:
            batch.create_foreign_key(op.f("fk_citations_source_id_sources"), "sources", ["source_id"], ["id"])
        else:
            batch.drop_constraint(op.f("fk_citations_source_id_sources"), type_="foreignkey")


def _bump_generation():
    # Every answer cached before the change is stale, if there were sources to change.
    op.execute("UPDATE content_generation SET value = value + 1 WHERE EXISTS (SELECT 1 FROM sources)")


def upgrade():
    bind = op.get_bind()
    _allow_types((*TYPES, "source"))
    op.execute(
        "INSERT INTO content_items (type, slug, status, version, created_at, updated_at, published_at) "
        "SELECT 'source', slug, 'published', 1, created_at, updated_at, created_at FROM sources ORDER BY id"
    )

    # Each statement reads every row's old value before it writes: no id is taken for another's.
    _citations_refer_to_sources(False)
    op.execute(
        "UPDATE citations SET source_id = (SELECT content_items.id FROM sources JOIN content_items "
        "ON content_items.type = 'source' AND content_items.slug = sources.slug "
        "WHERE sources.id = citations.source_id)"
    )
    # The new ids may be old ids of other sources: through negative ones, no two rows share one.
    op.execute("UPDATE sources SET id = -id")
    op.execute(f"UPDATE sources SET id = ({ITEM_OF_SOURCE})")

    columns = ", ".join(f"sources.{name}" for name in SNAPSHOT_FIELDS)
    rows = bind.execute(
        sa.text(
            f"SELECT content_items.id, content_items.slug, content_items.updated_at, {columns} "
            "FROM sources JOIN content_items ON content_items.id = sources.id"
        )
    ).mappings()
    insert = sa.text(
        "INSERT INTO revisions (item_id, version, action, status, slug, snapshot, author, note, created_at) "
        "VALUES (:id, 1, 'created', 'published', :slug, :snapshot, 'seed', :note, :time)"
    ).bindparams(sa.bindparam("snapshot", type_=sa.JSON()))
    for row in rows.all():
        snapshot = {"slug": row["slug"], "status": "published"}
        for name in SNAPSHOT_FIELDS:
            value = row[name]
            # A date as ISO 8601 text (SQLite gives it so already).
            snapshot[name] = str(value) if name in DATE_FIELDS and value is not None else value
        bind.execute(
            insert,
            {
                "id": row["id"],
                "slug": row["slug"],
                "snapshot": snapshot,
                "note": "Sources became content: this is the source as it stood.",
                "time": row["updated_at"],
            },
        )

    with op.batch_alter_table("sources") as batch:
        batch.drop_constraint(op.f("uq_sources_slug"), type_="unique")
        batch.drop_constraint(op.f("uq_sources_filename"), type_="unique")
        for name in MOVED:
            batch.drop_column(name)
        batch.create_foreign_key(
            op.f("fk_sources_id_content_items"), "content_items", ["id"], ["id"], ondelete="CASCADE"
        )
    if bind.dialect.name == "postgresql":
        # The id comes from the content item now, not from a sequence of its own.
        op.execute("ALTER TABLE sources ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS sources_id_seq")
    _citations_refer_to_sources(True)
    _bump_generation()


def downgrade():
    # Lossy: every source is kept, as a plain one (no status, no history); its file name is its slug.
    bind = op.get_bind()
    _citations_refer_to_sources(False)
    with op.batch_alter_table("sources") as batch:
        batch.drop_constraint(op.f("fk_sources_id_content_items"), type_="foreignkey")
        for name, type_ in MOVED.items():
            batch.add_column(sa.Column(name, type_, nullable=True))
    item_column = "(SELECT content_items.{0} FROM content_items WHERE content_items.id = sources.id)"
    op.execute(
        "UPDATE sources SET "
        + ", ".join(f"{name} = {item_column.format(name)}" for name in ("slug", "created_at", "updated_at"))
    )
    op.execute("UPDATE sources SET filename = slug")
    with op.batch_alter_table("sources") as batch:
        for name, type_ in MOVED.items():
            batch.alter_column(name, existing_type=type_, nullable=False)
        batch.create_unique_constraint(op.f("uq_sources_slug"), ["slug"])
        batch.create_unique_constraint(op.f("uq_sources_filename"), ["filename"])
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE sources_id_seq OWNED BY sources.id")
        op.execute("SELECT setval('sources_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM sources")
        op.execute("ALTER TABLE sources ALTER COLUMN id SET DEFAULT nextval('sources_id_seq')")
    sources = "(SELECT id FROM content_items WHERE type = 'source')"
    # Foreign keys are off while SQLite migrates: nothing cascades by itself.
    op.execute(f"DELETE FROM revisions WHERE item_id IN {sources}")
    op.execute(f"DELETE FROM slug_redirects WHERE item_id IN {sources}")
    op.execute("DELETE FROM content_items WHERE type = 'source'")
    _citations_refer_to_sources(True)
    _allow_types(TYPES)
    _bump_generation()
