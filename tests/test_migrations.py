"""Migrations are the only way the schema is made: they reach head, match the models, go back, and
carry the data in place across."""

from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from service.domain import public_items
from service.domain.consistency import check_consistency
from service.domain.content import FAQ
from service.domain.db import db
from service.domain.editing import create_item, update_item
from service.domain.models import Therapy
from tests.conftest import token_headers
from tests.workflow import approve


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_an_empty_database_upgrades_to_head_with_no_drift_from_the_models(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        assert {"content_items", "therapies", "revisions", "api_tokens"} <= _tables()
        # `flask db check`: exits non-zero when autogenerate finds a difference.
        flask_migrate.check()


def test_downgrade_to_base_and_upgrade_again(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert _tables() <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "therapies" in _tables()
        assert db.session.execute(sa.text("SELECT value FROM content_generation")).scalar() == 0


def test_citations_of_a_database_from_before_claims_are_numbered_by_position(app):
    """The claims migration, run on content in place: each citation is known by its position."""
    with app.app_context():
        before = _content_rows()
        flask_migrate.downgrade(revision=BEFORE_CLAIMS)
        flask_migrate.upgrade()
        # Rebuilding a table on SQLite drops it: nothing that references it may go with it.
        assert _content_rows() == before
        rows = db.session.execute(sa.text("SELECT position, key, supports FROM citations")).all()
        assert rows
        assert all(key == str(position + 1) for position, key, _supports in rows)
        assert {str(supports) for _position, _key, supports in rows} == {"[]"}


def _content_rows() -> dict[str, int]:
    tables = ("content_items", "citations", "revisions", "therapy_indications", "therapy_mechanisms")
    tables += ("faq_therapies", "faq_indications", "indication_relations")
    # The two link tables new in that migration are emptied by its downgrade, and stay so.
    counts = {
        table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() for table in tables
    }
    db.session.rollback()  # holds no lock that the migration would wait on
    return counts | {"faq_indications": 0, "indication_relations": 0}


BEFORE_SOURCES_WERE_CONTENT = "c8e1f4a2b6d9"
BEFORE_CLAIMS = "d4a7b2e9f013"
WRITTEN = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
COLUMN_TYPES = {
    "created_at": sa.DateTime(timezone=True),
    "updated_at": sa.DateTime(timezone=True),
    "published_at": sa.DateTime(timezone=True),
    "examples": sa.JSON(),
    "id": sa.Integer(),
    "version": sa.Integer(),
    "position": sa.Integer(),
    "therapy_id": sa.Integer(),
    "indication_id": sa.Integer(),
    "item_id": sa.Integer(),
    "source_id": sa.Integer(),
}
TEXTS = {
    "old-report": "An old report on how checkpoint inhibitors help the immune system fight tumours.",
    "new-report": "A new report on the allergen immunotherapy that trains the body to tolerate pollen.",
}


def _insert(table: str, **values) -> None:
    columns = [sa.column(name, COLUMN_TYPES.get(name, sa.String())) for name in values]
    db.session.execute(sa.insert(sa.table(table, *columns)).values(**values))


def _content_before(type_: str, slug: str, table: str, **values) -> int:
    """An item as the editing path wrote it before sources were content (without its revision)."""
    times = {"created_at": WRITTEN, "updated_at": WRITTEN, "published_at": WRITTEN}
    _insert("content_items", type=type_, slug=slug, status="published", version=1, **times)
    item_id = db.session.scalar(
        sa.text("SELECT id FROM content_items WHERE type = :type AND slug = :slug"),
        {"type": type_, "slug": slug},
    )
    _insert(table, id=item_id, **values)
    return item_id


def test_sources_become_content_with_their_citations_and_links_in_place(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade(revision=BEFORE_SOURCES_WERE_CONTENT)
        therapy = _content_before(
            "therapy",
            "checkpoint-inhibitors",
            "therapies",
            name="Checkpoint inhibitors",
            summary="s",
            body_markdown="",
            body_html="",
            examples=[],
        )
        indication = _content_before(
            "indication",
            "pollen-allergy",
            "indications",
            name="Pollen allergy",
            summary="s",
            area="allergy",
            immunotherapy_status="used",
        )
        _insert("therapy_indications", therapy_id=therapy, indication_id=indication)
        # The new ids follow the items' in the old ids' order: the second source's new id is the
        # first one's old id.
        old_ids = {"new-report": indication + 2, "old-report": indication + 3}
        for slug, text in TEXTS.items():
            _insert(
                "sources",
                id=old_ids[slug],
                slug=slug,
                title=slug.replace("-", " ").title(),
                filename=f"{slug}.txt",
                checksum="c" * 64,
                text=text,
                created_at=WRITTEN,
                updated_at=WRITTEN,
            )
        quotes = [
            (therapy, "old-report", "checkpoint inhibitors help"),
            (indication, "new-report", "tolerate pollen"),
        ]
        for position, (item_id, slug, quote) in enumerate(quotes):
            _insert("citations", item_id=item_id, source_id=old_ids[slug], position=position, quote=quote)
        db.session.commit()

        flask_migrate.upgrade()

        rows = db.session.execute(
            sa.text(
                "SELECT citations.item_id, content_items.slug, citations.quote FROM citations "
                "JOIN sources ON sources.id = citations.source_id "
                "JOIN content_items ON content_items.id = sources.id ORDER BY citations.position"
            )
        ).all()
        assert [tuple(row) for row in rows] == [(item_id, slug, quote) for item_id, slug, quote in quotes]
        links = db.session.execute(sa.text("SELECT therapy_id, indication_id FROM therapy_indications")).all()
        assert [tuple(row) for row in links] == [(therapy, indication)]
        problems = check_consistency()
        assert not [problem for problem in problems if problem.startswith("source")], problems

    client = empty_app.test_client()
    sources = {source["slug"]: source for source in client.get("/api/v1/sources").json}
    assert set(sources) == set(TEXTS)
    for slug, text in TEXTS.items():
        source = sources[slug]
        assert (source["text"], source["checksum"], source["status"], source["version"]) == (
            text,
            "c" * 64,
            "published",
            1,
        )
        assert source["created_at"] == WRITTEN.isoformat() and source["cited_by"] == 1
    editor = token_headers(empty_app, "editor-after-migration", "editor")
    reviewer = token_headers(empty_app, "reviewer-after-migration", "reviewer")
    url = "/api/v1/sources/old-report"
    etag = client.get(url, headers=editor).headers["ETag"]
    renamed = client.patch(url, json={"slug": "older-report"}, headers=editor | {"If-Match": etag})
    assert renamed.status_code == 200 and renamed.json["version"] == 2
    # The rename waits for review (version 2), is submitted (3) and approved (4).
    approve(client, url, editor, reviewer, renamed.headers["ETag"])
    revisions = client.get("/api/v1/sources/older-report/revisions", headers=editor).json
    assert [(revision["version"], revision["author"]) for revision in revisions] == [
        (4, "reviewer-after-migration"),
        (3, "editor-after-migration"),
        (2, "editor-after-migration"),
        (1, "seed"),
    ]
    assert client.get(url).status_code == 301


def test_sources_go_back_to_plain_rows_with_their_citations(app):
    with app.app_context():
        cited = db.session.execute(
            sa.text(
                "SELECT content_items.slug, count(*) FROM citations JOIN content_items "
                "ON content_items.id = citations.source_id GROUP BY content_items.slug"
            )
        ).all()
        db.session.commit()  # a migration takes its tables' locks: no transaction of ours may hold one
        flask_migrate.downgrade(revision=BEFORE_SOURCES_WERE_CONTENT)
        after = db.session.execute(
            sa.text(
                "SELECT sources.slug, count(*) FROM citations "
                "JOIN sources ON sources.id = citations.source_id GROUP BY sources.slug"
            )
        ).all()
        assert sorted(map(tuple, after)) == sorted(map(tuple, cited))
        assert db.session.scalar(sa.text("SELECT count(*) FROM content_items WHERE type = 'source'")) == 0
        db.session.commit()
        flask_migrate.upgrade()
        assert db.session.scalar(sa.text("SELECT count(*) FROM content_items WHERE type = 'source'")) == 5


BEFORE_REVIEW = "d2f6a8c4e1b3"


def upgrade_as_prepare_does() -> None:
    """Migrate to the head, then store the public JSON of every item, as `flask prepare` does: the
    migration that makes its table cannot render it."""
    flask_migrate.upgrade()
    public_items.render_all(db.session)
    db.session.commit()


def test_content_from_before_review_gets_its_people_and_reviews_in_place(app):
    """The review migration, run on content in place: each token and revision belongs to the
    person of its name or author, and each published item was reviewed by the author of its
    current version, when it was made."""
    editor = token_headers(app, "editor-before-review", "editor", person="someone-else")
    token_headers(app, "admin-before-review", "admin", person="another-one")
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
        update_item(therapy, {"summary": "Changed before review."}, author="editor-before-review")
        create_item(FAQ, {"question": "A draft?", "answer": "Yes."}, author="editor-before-review")
        db.session.commit()  # a migration takes its tables' locks: no transaction of ours may hold one
        flask_migrate.downgrade(revision=BEFORE_REVIEW)
        upgrade_as_prepare_does()

        tokens = db.session.execute(sa.text("SELECT name, person FROM api_tokens")).all()
        assert len(tokens) == 2 and all(person == name for name, person in tokens)
        revisions = db.session.execute(sa.text("SELECT author, person FROM revisions")).all()
        assert {"seed", "editor-before-review"} <= {author for author, _ in revisions}
        assert all(person == author for author, person in revisions)
        items = db.session.execute(
            sa.text(
                "SELECT i.slug, i.status, i.reviewed_at, i.updated_at, i.reviewed_by, r.author "
                "FROM content_items i JOIN revisions r ON r.item_id = i.id AND r.version = i.version"
            )
        ).all()
        db.session.commit()
        reviewed = {slug: (at, by) for slug, status, at, _, by, _ in items if status != "published"}
        assert reviewed == {"a-draft": (None, None)}
        published = {
            slug: (at, updated, by, author)
            for slug, status, at, updated, by, author in items
            if status == "published"
        }
        assert published and all(at == updated and at is not None for at, updated, _, _ in published.values())
        assert all(by == author for _, _, by, author in published.values())
        assert published["cytokines"][2] == "editor-before-review"
        assert {by for _, _, by, _ in published.values()} == {"seed", "editor-before-review"}
        assert check_consistency() == []

    client = app.test_client()
    therapy = client.get("/api/v1/therapies/cytokines").json
    assert therapy["summary"] == "Changed before review."
    assert therapy["review"]["reviewed_by"] == "editor-before-review"
    assert therapy["review"]["last_reviewed_on"] == therapy["updated_at"][:10]
    # A token made before review still works, held by the person of its name.
    whoami = client.get("/api/v1/auth/whoami", headers=editor).json
    assert (whoami["name"], whoami["person"]) == ("editor-before-review", "editor-before-review")


BEFORE_TIMES_IN_ORDER = "f3c9a1d5e7b2"
STAMPS = sa.table(
    "content_items",
    sa.column("id", sa.Integer()),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in ("created_at", "published_at", "updated_at")),
)


def test_times_come_in_order_and_titles_get_their_sort_keys_in_place(app):
    """The two migrations, run on content as the editing path stamped it before: updated_at (and
    published_at) before the INSERT, created_at at the INSERT, a moment after."""
    with app.app_context():
        flask_migrate.downgrade(revision=BEFORE_TIMES_IN_ORDER)
        rows = db.session.execute(sa.select(STAMPS.c.id, STAMPS.c.updated_at)).all()
        for item_id, updated in rows:
            late = {"created_at": updated + timedelta(microseconds=700)}
            db.session.execute(sa.update(STAMPS).where(STAMPS.c.id == item_id).values(**late))
        db.session.commit()
        upgrade_as_prepare_does()

        stamps = db.session.execute(sa.select(STAMPS)).all()
        db.session.commit()
        assert len(stamps) == len(rows)
        assert all(created == (published or updated) for _id, created, published, updated in stamps)
        assert check_consistency() == []
    names = [therapy["name"] for therapy in app.test_client().get("/api/v1/therapies?sort=name").json]
    assert names.index("Cancer vaccines") < names.index("CAR T-cell therapy and adoptive cell transfer")
