"""Fixtures: the real app on a real, migrated and seeded database, once per backend."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import flask_migrate
import pytest
from flask import Flask

from service import create_app
from service.domain.db import db
from service.domain.seeding import load_seed
from service.domain.tokens import create_token
from service.settings import Settings
from service.web.schemas import CREATE_SCHEMAS
from tests.databases import backends, databases_for


@dataclass
class Backend:
    name: str
    databases: object
    template_url: str


def make_app(database_url: str, **settings) -> Flask:
    # The tests send hundreds of requests from one address: the rate limits' own tests turn them on.
    defaults = replace(Settings.from_env({}), log_level="WARNING", ratelimit_enabled=False)
    return create_app(replace(defaults, database_url=database_url, **settings))


def upgrade_and_seed(app: Flask) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        load_seed(app.config["SETTINGS"].seed_dir, CREATE_SCHEMAS)
        db.engine.dispose()


@pytest.fixture(scope="session", params=backends())
def backend(request, tmp_path_factory) -> Backend:
    databases = databases_for(request.param, tmp_path_factory.mktemp(request.param))
    template_url = databases.empty()
    upgrade_and_seed(make_app(template_url))
    yield Backend(request.param, databases, template_url)
    databases.drop(template_url)


@contextmanager
def app_on(url: str, **settings) -> Iterator[Flask]:
    """The app on a database of the run, dropped afterwards."""
    app = make_app(url, **settings)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(backend: Backend) -> Flask:
    """The app on a fresh copy of the seeded database: every test may write."""
    url = backend.databases.copy(backend.template_url)
    with app_on(url) as app:
        yield app
    backend.databases.drop(url)


@pytest.fixture
def uncached_app(backend: Backend) -> Flask:
    """The app with its response cache off: every request reaches the views and the database."""
    url = backend.databases.copy(backend.template_url)
    with app_on(url, response_cache_entries=0) as app:
        yield app
    backend.databases.drop(url)


@pytest.fixture
def empty_app(backend: Backend) -> Flask:
    """The app on an empty database, not even migrated."""
    url = backend.databases.empty()
    with app_on(url) as app:
        yield app
    backend.databases.drop(url)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def app_context(app: Flask):
    with app.app_context():
        yield


def token_headers(app: Flask, name: str, role: str, person: str | None = None) -> dict[str, str]:
    """Headers of a new token; it belongs to `person` (the token's name when not given)."""
    with app.app_context():
        _, secret = create_token(name, role, person=person)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def editor(app: Flask) -> dict[str, str]:
    """Headers of an editor's token, named editor-ann."""
    return token_headers(app, "editor-ann", "editor")


@pytest.fixture
def reviewer(app: Flask) -> dict[str, str]:
    """Headers of a reviewer's token, named reviewer-cy: another person than the editor's."""
    return token_headers(app, "reviewer-cy", "reviewer")


@pytest.fixture
def admin(app: Flask) -> dict[str, str]:
    """Headers of an admin's token, named admin-bo."""
    return token_headers(app, "admin-bo", "admin")
