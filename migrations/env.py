"""Alembic environment: migrations run against the app's own engine (Flask-Migrate)."""

import logging
from contextlib import contextmanager

from alembic import context
from flask import current_app

from service.domain.database import lift_statement_timeout

logger = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db


def include_name(name, type_, parent_names):
    # The full-text index is made by hand in migrations (FTS5 or tsvector): not a model table.
    return not (type_ == "table" and name and name.startswith("search_index"))


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


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection, foreign_keys_deferred_on_sqlite(connection):
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            include_name=include_name,
            **conf_args,
        )
        with context.begin_transaction():
            # A migration may rightly wait on a lock: the request-time statement timeout is lifted.
            lift_statement_timeout(connection)
            context.run_migrations()


@contextmanager
def foreign_keys_deferred_on_sqlite(connection):
    """SQLite changes a table (batch mode) by copying it and dropping the old one, and with foreign
    keys on, dropping a table deletes the rows that reference it (ON DELETE CASCADE): every link
    and citation of the content. Off while migrating (the pragma only takes effect outside a
    transaction), then checked, then on again."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        connection.commit()
        if broken:
            raise RuntimeError(f"The migration left rows that reference nothing: {broken[:5]}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
