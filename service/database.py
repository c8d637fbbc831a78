"""Database engine settings that SQLAlchemy's URL cannot carry."""

import sqlite3

import sqlalchemy as sa


def configure_sqlite(engine: sa.Engine) -> None:
    """WAL, so that readers never wait for a writer; foreign keys, which SQLite leaves off."""

    @sa.event.listens_for(engine, "connect")
    def on_connect(connection: sqlite3.Connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
