"""A request's session, from the database's side: reads without a transaction on PostgreSQL, the
session ended safely, and the connections of a request cut when the server has gone silent."""

import logging
import os
import socket
import threading
import time
import weakref

import sqlalchemy as sa
from flask import Flask, request
from psycopg.pq import TransactionStatus
from sqlalchemy import orm as so

from service.web.conditional import public_scopes

log = logging.getLogger(__name__)

# How often the watchdog looks at the connections, and how long past the timeout it lets the
# server end a statement itself.
WATCH_INTERVAL_SECONDS = 0.25
GRACE_SECONDS = 1.0


def read_without_transactions(app: Flask, session: so.scoped_session) -> None:
    """Runs each statement of a GET or HEAD on PostgreSQL in autocommit.

    Under READ COMMITTED each statement sees its own snapshot anyway, so a transaction gives a
    read nothing; without one, the BEGIN and ROLLBACK round trips go, and psycopg keeps the
    statements it has prepared, which a rollback discards (an uncached list read took half as
    long). Writes keep their transactions. SQLite's driver begins none for a select.
    """

    @app.before_request
    def autocommit_reads() -> None:
        # Only the content's reads (what has a public scope: items, lists, search, synonyms, the
        # change feed): the liveness probe and the docs touch no database, and must not need it.
        if request.method in ("GET", "HEAD") and public_scopes(request.path, searched=False):
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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
    """Cuts a PostgreSQL connection that has waited on a silent server past the deadline.

    The deadline is the timeout plus a second's grace, so that a server that is slow but alive
    ends its own statement first (statement_timeout), cleanly. Each statement's start is noted
    (SQLAlchemy's statement events); for what runs below them (the pool's ping, the response
    cache's generation read, both at a request's start) the request's start counts, noted by this
    WSGI layer. A watchdog thread looks four times a second and shuts down the socket of every
    connection still waiting for an answer past its deadline: the waiting call fails at once, as
    a lost connection, and the request answers 503 with Retry-After like any outage.
    """

    def __init__(self, wsgi_app, engine: sa.Engine, timeout_seconds: float):
        self.wsgi_app = wsgi_app
        self.deadline = timeout_seconds + GRACE_SECONDS
        self.requests_started: dict[int, float] = {}
        # Every connection of this process, and when the statement it runs now began.
        self.connections: weakref.WeakSet = weakref.WeakSet()
        self.statement_started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._watchdog_pid: int | None = None
        self._lock = threading.Lock()
        sa.event.listen(engine, "connect", self._remember)
        sa.event.listen(engine, "before_cursor_execute", self._statement_starts)
        sa.event.listen(engine, "after_cursor_execute", self._statement_ends)
        sa.event.listen(engine, "handle_error", self._statement_fails)

    def _remember(self, dbapi_connection, _record) -> None:
        with self._lock:
            self.connections.add(dbapi_connection)

    def _statement_starts(self, connection: sa.Connection, *_args) -> None:
        with self._lock:
            self.statement_started[connection.connection.dbapi_connection] = time.monotonic()

    def _statement_ends(self, connection: sa.Connection, *_args) -> None:
        with self._lock:
            self.statement_started.pop(connection.connection.dbapi_connection, None)

    def _statement_fails(self, context: sa.engine.ExceptionContext) -> None:
        if context.connection is not None and not context.connection.invalidated:
            self._statement_ends(context.connection)

    def __call__(self, environ, start_response):
        if self._watchdog_pid != os.getpid():
            self._start_watchdog()
        thread = threading.get_ident()
        self.requests_started[thread] = time.monotonic()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.requests_started.pop(thread, None)

    def _start_watchdog(self) -> None:
        # Once per process: a forked worker does not inherit its parent's threads.
        with self._lock:
            if self._watchdog_pid != os.getpid():
                self._watchdog_pid = os.getpid()
                threading.Thread(target=self._watch, name="database-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            try:
                self._cut_what_waits_too_long()
            except Exception:  # the guard must outlive any surprise; the next look tries again
                log.warning("the database watchdog failed to look; it looks again", exc_info=True)

    def _cut_what_waits_too_long(self) -> None:
        now = time.monotonic()
        with self._lock:
            waiting = [
                (connection, self.statement_started.get(connection)) for connection in self.connections
            ]
        requests = list(self.requests_started.values())
        oldest_request = min(requests, default=now)
        for connection, started in waiting:
            if now - (started if started is not None else oldest_request) > self.deadline:
                _cut_if_waiting(connection)


def _cut_if_waiting(connection) -> None:
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
