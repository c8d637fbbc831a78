"""Alembic environment: migrations run against the app's own engine (Flask-Migrate)."""

import logging

from alembic import context
from flask import current_app

from service.domain.database import lift_statement_timeout

logger = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db


def include_name(name, type_, parent_names):
    # The search tables are made by hand in migrations (FTS5 or tsvector, covering indexes): not
    # model tables.
    return not (type_ == "table" and name and name.startswith("search_"))


def process_revision_directives(context, revision, directives):
    # `flask db migrate` with no change writes no empty migration.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url, target_metadata=target_db.metadata, literal_binds=True, include_name=include_name
    )
    with context.begin_transaction():
        context.run_migrations()


def check_foreign_keys(ctx, step, heads, run_args):
    """On SQLite, after each migration and before its commit: no row may refer to a missing one."""
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        found = broken[:10]
        raise RuntimeError(f"{step}: rows refer to rows that do not exist (table, rowid, parent): {found}")


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping the old one, and with foreign keys on, SQLite
            # would first delete every row that refers to it ON DELETE CASCADE (links, revisions).
            # Off for the migrations (outside a transaction, or SQLite ignores it), checked after each.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            conf_args.setdefault("on_version_apply", check_foreign_keys)
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            include_name=include_name,
            **conf_args,
        )
        try:
            with context.begin_transaction():
                # A migration may rightly wait on a lock: the request-time statement timeout is lifted.
                lift_statement_timeout(connection)
                context.run_migrations()
        finally:
            if sqlite:
                # Never back in the pool with foreign keys off: a new connection turns them on.
                connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
