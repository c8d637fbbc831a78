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
