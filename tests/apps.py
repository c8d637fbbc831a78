"""The app as the tests make it, on a database they name, and a database migrated and seeded as the
tests' template is: shared by the fixtures and the search evaluation (bench/relevance.py)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import flask_migrate
from flask import Flask

from service import create_app
from service.domain.db import db
from service.domain.seeding import load_seed
from service.settings import Settings
from service.web.schemas import CREATE_SCHEMAS


def make_app(database_url: str, **settings) -> Flask:
    # The tests send hundreds of requests from one address: the rate limits' own tests turn them on.
    defaults = replace(Settings.from_env({}), log_level="WARNING", ratelimit_enabled=False)
    return create_app(replace(defaults, database_url=database_url, **settings))


def upgrade_and_seed(app: Flask) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        load_seed(app.config["SETTINGS"].seed_dir, CREATE_SCHEMAS)
        db.engine.dispose()


@contextmanager
def app_on(url: str, **settings) -> Iterator[Flask]:
    """The app on a database of the run, its connections closed afterwards."""
    app = make_app(url, **settings)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
