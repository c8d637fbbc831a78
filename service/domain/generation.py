"""The content generation: a single-row counter that every write bumps, in its own transaction.

Whatever is made from the content as a whole (a list's validator, the response cache's keys) is
made from it, so that a change anywhere shows in every worker and replica at once. Writers bump
it first, so that they queue on its row and revisions are numbered in commit order.
"""

import sqlalchemy as sa
from sqlalchemy import orm as so

from service.domain.models import ContentGeneration

GENERATION_SQL = "SELECT value FROM content_generation WHERE id = 1"


def bump_generation(session: so.Session) -> None:
    session.execute(sa.update(ContentGeneration).values(value=ContentGeneration.value + 1))


def read_generation(engine: sa.Engine) -> int:
    """On the pooled driver connection itself, below SQLAlchemy's statement layer: a quarter of the
    cost of a Core statement, and this is the one query of a hot read."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(GENERATION_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return row[0] if row else 0
