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


def read_generation(engine: sa.Engine, scopes: Sequence[str] = ()) -> int:
    """The content generation, or with `scopes` the sum of theirs (counters that only grow: the
    sum changes when any of them does). On the pooled driver connection itself, below
    SQLAlchemy's statement layer: a quarter of the cost of a Core statement, and this is the one
    query of a hot read."""
    connection = engine.raw_connection()
    # One statement needs no transaction: on PostgreSQL, no BEGIN and ROLLBACK around it, two of
    # its four round trips (SQLite's driver begins none for a select).
    autocommit = engine.dialect.name == "postgresql"
    try:
        if autocommit:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute(public_generation_sql(tuple(scopes)) if scopes else GENERATION_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        if autocommit:
            connection.driver_connection.autocommit = False
        connection.close()
    return (row[0] or 0) if row else 0


def request_generation(scopes: Sequence[str] = ()) -> int:
    """read_generation, once per session (a request's): whoever asks first reads it, in the web
    layer or in the domain (search's lexicon), and the others reuse it."""
    known = db.session.info.setdefault(_KNOWN, {})
    key = tuple(scopes)
    if key not in known:
        known[key] = read_generation(db.engine, key)
    return known[key]


def remember_generation(scopes: Sequence[str], value: int) -> None:
    """A generation read before the session was (by the response cache), for request_generation."""
    db.session.info.setdefault(_KNOWN, {})[tuple(scopes)] = value


_KNOWN = "generation.known"


@functools.cache
def public_generation_sql(scopes: tuple[str, ...]) -> str:
    """The statement that reads these scopes' generation. Scopes are this module's constants,
    never input, and are checked against them: they are written into the statement."""
    if unknown := set(scopes) - set(PUBLIC_SCOPES):
        raise ValueError(f"No public scope is named {sorted(unknown)}")
    listed = ", ".join(f"'{scope}'" for scope in sorted(scopes))
    return f"SELECT sum(value) FROM public_generations WHERE scope IN ({listed})"
