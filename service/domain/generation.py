"""Generations: counters in the database that say when what a response is made of last changed.

- The content generation, a single row that every write bumps, in its transaction: editors'
  validators are made from it (they see drafts and pending changes). Writers bump it first, so
  that they queue on its row and revisions are numbered in commit order.
- A public generation per scope of what anyone may read: each content type's items and lists,
  search, synonyms and the change feed. A change bumps only the scopes whose public responses it
  alters, when it commits (service.domain.public_items): editing a draft bumps none, renaming a
  mechanism bumps mechanisms and the types whose items show it.

Public validators and the response cache's keys are made from the scope's generation, so a change
shows in every worker and replica at once, and chills only what it touched.
"""

import functools
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import orm as so

from service.domain.content import KINDS
from service.domain.db import db
from service.domain.models import ContentGeneration

GENERATION_SQL = "SELECT value FROM content_generation WHERE id = 1"

PUBLIC_SCOPES = (*KINDS, "search", "synonyms", "changes")
public_generations = sa.Table(
    "public_generations",
    db.metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def bump_generation(session: so.Session) -> None:
    session.execute(sa.update(ContentGeneration).values(value=ContentGeneration.value + 1))


def bump_public(session: so.Session, scopes: Iterable[str]) -> None:
    session.execute(
        sa.update(public_generations)
        .where(public_generations.c.scope.in_(sorted(scopes)))
        .values(value=public_generations.c.value + 1)
    )


def read_generation(bind: sa.Engine | sa.Connection, scopes: Sequence[str] = ()) -> int:
    """The content generation, or with `scopes` the sum of theirs (counters that only grow: the
    sum changes when any of them does). On the pooled driver connection itself, below
    SQLAlchemy's statement layer: a quarter of the cost of a Core statement, and this is the one
    query of a hot read. With a Connection, on that one: a request that reads content asks on the
    connection it reads with (one checkout, one ping)."""
    sql = public_generation_sql(tuple(scopes)) if scopes else GENERATION_SQL
    if isinstance(bind, sa.Connection):
        return _first_value(bind.connection.dbapi_connection, sql)
    connection = bind.raw_connection()
    # One statement needs no transaction: on PostgreSQL, no BEGIN and ROLLBACK around it, two of
    # its four round trips (SQLite's driver begins none for a select).
    autocommit = bind.dialect.name == "postgresql"
    try:
        if autocommit:
            connection.driver_connection.autocommit = True
        return _first_value(connection, sql)
    finally:
        if autocommit:
            connection.driver_connection.autocommit = False
        connection.close()


def _first_value(dbapi_connection, sql: str) -> int:
    cursor = dbapi_connection.cursor()
    cursor.execute(sql)
    row = cursor.fetchone()
    cursor.close()
    return (row[0] or 0) if row else 0


@functools.cache
def public_generation_sql(scopes: tuple[str, ...]) -> str:
    """The statement that reads these scopes' generation. Scopes are this module's constants,
    never input, and are checked against them: they are written into the statement."""
    if unknown := set(scopes) - set(PUBLIC_SCOPES):
        raise ValueError(f"No public scope is named {sorted(unknown)}")
    listed = ", ".join(f"'{scope}'" for scope in sorted(scopes))
    return f"SELECT sum(value) FROM public_generations WHERE scope IN ({listed})"
