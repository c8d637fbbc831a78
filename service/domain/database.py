"""The database connection: engine settings SQLAlchemy's URL cannot carry, and the time limits that
keep a database that hangs from hanging the service.

Every statement a request makes is bounded by DATABASE_TIMEOUT: on SQLite as the busy timeout (how
long a writer waits for the lock), on PostgreSQL as the connect timeout and the server's
statement_timeout. A server that stops answering altogether (frozen, or cut off by a network that
drops packets) never enforces its own timeout, so a watchdog does it from this side (see
service.web.database_guard). Migrations and the seed may rightly wait on a lock: they lift the limit for
their own transactions (`lift_statement_timeout`).
"""

import fcntl
import logging
import sqlite3
import time
from contextlib import contextmanager

import psycopg
import psycopg.errors
import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# SQLite's primary result codes for a database that cannot serve now: busy or locked, out of
# memory, read-only, an I/O error, full, a file it cannot open.
SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
}
# PostgreSQL out of reach, timed out (57014), out of space (53100) or read-only (25006).
UNAVAILABLE_POSTGRES_ERRORS = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.errors.ReadOnlySqlTransaction,
)


def is_unavailable(error: Exception) -> bool:
    """The database cannot serve now (out of reach, busy, timed out, full or read-only): a 503, as
    against a fault in the query or the schema (500). Takes SQLAlchemy's errors and the driver's."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in SQLITE_UNAVAILABLE
    return isinstance(error, UNAVAILABLE_POSTGRES_ERRORS)


def engine_options(database_url: str, timeout_seconds: float) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS for the database."""
    if database_url.startswith("sqlite"):
        return {}
    timeout_ms = round(timeout_seconds * 1000)
    return {
        # Test each pooled connection before use, so that the service recovers by itself after an outage.
        "pool_pre_ping": True,
        "connect_args": {
            # libpq's own minimum is 2 s.
            "connect_timeout": max(2, round(timeout_seconds)),
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    }


def configure_sqlite(engine: sa.Engine, timeout_seconds: float) -> None:
    """WAL, so that readers never wait for a writer; foreign keys, which SQLite leaves off; a busy
    timeout, so that a writer waits for the lock that long and then answers 503."""

    @sa.event.listens_for(engine, "connect")
    def on_connect(connection: sqlite3.Connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(timeout_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def lift_statement_timeout(connection: sa.Connection) -> None:
    """For the rest of the current transaction, statements may wait as long as they need."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")


# Any number, the same in every process: the key of the preparation's advisory lock.
PREPARATION_LOCK_KEY = 7_330_421


@contextmanager
def preparation_lock(engine: sa.Engine):
    """One process at a time migrates and seeds, across processes and machines: on PostgreSQL an
    advisory lock held by a transaction left open meanwhile; on SQLite an exclusive lock on a file
    beside the database. The others wait their turn, then find nothing left to do."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection, connection.begin():
            lift_statement_timeout(connection)
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PREPARATION_LOCK_KEY})
            yield
        return
    with open(f"{engine.url.database}.prepare-lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def wait_for_database(engine: sa.Engine, seconds: float) -> None:
    """Until the database answers, for at most `seconds` (a database container still starting)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return
        except DBAPIError:
            if time.monotonic() >= deadline:
                raise
            log.warning("the database does not answer yet; trying again in 2 s")
            time.sleep(2)


@contextmanager
def statement_timeout_lifted(session: so.Session):
    """Every transaction the session begins inside the block may wait as long as it needs."""

    def on_begin(_session, _transaction, connection: sa.Connection) -> None:
        lift_statement_timeout(connection)

    sa.event.listen(session, "after_begin", on_begin)
    try:
        yield
    finally:
        sa.event.remove(session, "after_begin", on_begin)
