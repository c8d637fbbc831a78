"""Fixtures: the real app on a real, migrated and seeded database, once per backend."""

from dataclasses import dataclass

import pytest
from flask import Flask

from service.domain.tokens import create_token
from tests.apps import app_on, make_app, upgrade_and_seed
from tests.databases import backends, databases_for


@dataclass
class Backend:
    name: str
    databases: object
    template_url: str


@pytest.fixture(scope="session", params=backends())
def backend(request, tmp_path_factory) -> Backend:
    databases = databases_for(request.param, tmp_path_factory.mktemp(request.param))
    template_url = databases.empty()
    upgrade_and_seed(make_app(template_url))
    yield Backend(request.param, databases, template_url)
    databases.drop(template_url)


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
