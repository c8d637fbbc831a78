"""Migrations are the only way the schema is made: they reach head, match the models, and go back."""

import flask_migrate
import sqlalchemy as sa

from service.domain.db import db


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
        flask_migrate.downgrade(revision="c8e1f4a2b6d9")
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
