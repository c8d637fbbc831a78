"""What keeps the database's faults from the clients: a request's session ended safely, and the
connections of a request cut when the server has gone silent."""

import logging
import os
import socket
import threading
import time
import weakref

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import orm as so

log = logging.getLogger(__name__)

# How often the watchdog looks at the requests in flight.
WATCH_INTERVAL_SECONDS = 0.25


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
