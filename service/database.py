"""The database connection: engine settings SQLAlchemy's URL cannot carry, and the time limits that
keep a database that hangs from hanging the service.

Every statement a request makes is bounded by DATABASE_TIMEOUT: on SQLite as the busy timeout (how
long a writer waits for the lock), on PostgreSQL as the connect timeout and the server's
statement_timeout. A server that stops answering altogether (frozen, or cut off by a network that
drops packets) never enforces its own timeout, so a watchdog does it from this side (see
SilentServerGuard). Migrations and the seed may rightly wait on a lock: they lift the limit for
their own transactions (`lift_statement_timeout`).
"""

import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import orm as so

log = logging.getLogger(__name__)

# How often the watchdog looks at the requests in flight.
WATCH_INTERVAL_SECONDS = 0.25


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


def end_sessions_safely(app: Flask, session: so.scoped_session) -> None:
    """Ends each request's session, before Flask-SQLAlchemy's own teardown does (teardowns run in
    reverse order). The answer is made by then: a connection lost at that moment would raise out of
    the app, and the server would send its own HTML 500 in place of the answer. It is logged
    instead, and the pool drops the connection."""

    @app.teardown_appcontext
    def remove_session(_error: BaseException | None) -> None:
        try:
            session.remove()
        except sa.exc.DBAPIError:
            log.warning("database connection lost as a request ended; its answer was already made")
            session.registry.clear()


class SilentServerGuard:
    """Cuts the PostgreSQL connections of a request that has waited past the deadline.

    A WSGI layer notes when each request starts; a watchdog thread looks four times a second, and
    while some request has run past the deadline, shuts down the socket of every connection of
    this process that is waiting for an answer. The waiting call then fails at once, as a lost
    connection, and the request answers 503 with Retry-After like any outage. One request per
    thread (gunicorn's sync workers): with threads, a connection of another request that is waiting
    at that moment is cut too, and answers 503.
    """

    def __init__(self, wsgi_app, engine: sa.Engine, deadline_seconds: float):
        self.wsgi_app = wsgi_app
        self.deadline = deadline_seconds
        self.started: dict[int, float] = {}
        self.connections: weakref.WeakSet = weakref.WeakSet()
        self._watchdog_pid: int | None = None
        self._lock = threading.Lock()
        sa.event.listen(engine, "connect", self._remember)

    def _remember(self, dbapi_connection, _record) -> None:
        self.connections.add(dbapi_connection)

    def __call__(self, environ, start_response):
        if self._watchdog_pid != os.getpid():
            self._start_watchdog()
        thread = threading.get_ident()
        self.started[thread] = time.monotonic()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.started.pop(thread, None)

    def _start_watchdog(self) -> None:
        # Once per process: a forked worker does not inherit its parent's threads.
        with self._lock:
            if self._watchdog_pid != os.getpid():
                self._watchdog_pid = os.getpid()
                threading.Thread(target=self._watch, name="database-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            now = time.monotonic()
            if any(now - started > self.deadline for started in list(self.started.values())):
                for connection in list(self.connections):
                    _cut_if_waiting(connection)


def _cut_if_waiting(connection) -> None:
    from psycopg.pq import TransactionStatus

    try:
        if connection.closed or connection.info.transaction_status != TransactionStatus.ACTIVE:
            return
        # A duplicate of the descriptor: shutting it down ends the connection for the thread that
        # waits on it (closing it would pull the descriptor from under libpq).
        with socket.socket(fileno=os.dup(connection.pgconn.socket)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # the connection closed meanwhile: nothing left to cut
        return
    log.warning("database connection cut: the server did not answer within the timeout")
