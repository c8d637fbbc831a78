"""Throwaway databases for the tests: SQLite files, or databases on the PostgreSQL server of
TEST_DATABASE_URL. A migrated and seeded template is made once per run and copied for each test."""

import itertools
import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from service.settings import _normalize_database_url


class SqliteDatabases:
    backend = "sqlite"

    def __init__(self, folder: Path):
        self.folder = folder
        self._names = itertools.count()

    def empty(self) -> str:
        return f"sqlite:///{self.folder / f'db{next(self._names)}.sqlite'}"

    def copy(self, template_url: str) -> str:
        url = self.empty()
        shutil.copyfile(make_url(template_url).database, make_url(url).database)
        return url

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


class PostgresDatabases:
    backend = "postgresql"

    def __init__(self, server_url: str):
        self.server_url = make_url(_normalize_database_url(server_url))
        self.prefix = f"{self.server_url.database}_{os.getpid()}"
        self._names = itertools.count()
        self._admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)

    def empty(self) -> str:
        return self._create("")

    def copy(self, template_url: str) -> str:
        return self._create(f" TEMPLATE {make_url(template_url).database}")

    def drop(self, url: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def _create(self, clause: str) -> str:
        name = f"{self.prefix}_{next(self._names)}"
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        return self.server_url.set(database=name).render_as_string(hide_password=False)


def backends() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server to use."""
    return ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def databases_for(backend: str, folder: Path):
    if backend == "sqlite":
        return SqliteDatabases(folder)
    return PostgresDatabases(os.environ["TEST_DATABASE_URL"])
