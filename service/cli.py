"""Command-line tasks: `flask prepare`, `flask seed`, `flask tokens`, `flask check`, `flask content lint`,
`flask render` and `flask backup`."""

import sqlite3

import click
import flask_migrate
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from service.domain import public_items
from service.domain.consistency import check_consistency
from service.domain.database import preparation_lock, statement_timeout_lifted, wait_for_database
from service.domain.db import db
from service.domain.lint import lint
from service.domain.models import ROLES
from service.domain.seeding import SeedError, load_seed
from service.domain.synthetic import load_synthetic
from service.domain.tokens import TokenError, create_token, is_active, list_tokens, revoke_token
from service.web.schemas import CREATE_SCHEMAS


@click.command("seed")
@click.option(
    "--synthetic",
    type=click.IntRange(min=1),
    help="Also add this many generated therapies, indications and FAQs (for load tests).",
)
@with_appcontext
def seed_command(synthetic: int | None) -> None:
    """Load the source documents and the curated content under seed/ (safe to run again)."""
    settings = current_app.config["SETTINGS"]
    # The seed may rightly wait on a lock (an editor's write): the request-time limit is lifted.
    with statement_timeout_lifted(db.session):
        try:
            report = load_seed(settings.seed_dir, CREATE_SCHEMAS)
            for line in report.lines():
                click.echo(line)
            if synthetic:
                created = load_synthetic(synthetic)
                click.echo(f"synthetic: created {created} of each of therapy, indication, faq")
        except SeedError as error:
            raise click.ClickException(str(error)) from None


@click.command("prepare")
@click.option("--wait", default=60, show_default=True, help="Seconds to wait for the database to answer.")
@with_appcontext
def prepare_command(wait: int) -> None:
    """Migrate to the newest schema and load the seed: the one-off step before the service starts.

    Safe to run from several processes at once: they take turns, and the later ones find nothing
    left to do.
    """
    settings = current_app.config["SETTINGS"]
    wait_for_database(db.engine, wait)
    with preparation_lock(db.engine):
        flask_migrate.upgrade()
        with statement_timeout_lifted(db.session):
            try:
                report = load_seed(settings.seed_dir, CREATE_SCHEMAS)
            except SeedError as error:
                raise click.ClickException(str(error)) from None
            # What the stored JSON is made of may have changed with this release (its schemas,
            # a setting it shows): the items are rendered again, and only changes are written.
            rendered = public_items.render_all(db.session)
            db.session.commit()
    for line in report.lines():
        click.echo(line)
    click.echo(f"public JSON: {rendered} items rendered anew")


@click.group("tokens")
def tokens_command() -> None:
    """Make, list and revoke the API's bearer tokens."""


@tokens_command.command("create")
@click.option("--name", required=True, help="The token's name; revisions name it as their author.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="viewer, editor, reviewer or admin.")
@click.option("--person", help="The person who holds it (default: the token's name); one may hold several.")
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Days until it expires (default: never).")
@with_appcontext
def create_token_command(name: str, role: str, person: str | None, expires_in_days: int | None) -> None:
    """Make a token; the secret is printed alone on the last line, and only its hash is kept."""
    try:
        token, secret = create_token(name, role, person=person, expires_in_days=expires_in_days)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    expiry = token.expires_at.isoformat() if token.expires_at else "never"
    click.echo(
        f"Created {role} token {name!r} for {token.person!r} (expires: {expiry}). It is shown once:", err=True
    )
    click.echo(secret)


@tokens_command.command("list")
@with_appcontext
def list_tokens_command() -> None:
    """Every token: name, role, state. Never the secret."""
    for token in list_tokens():
        state = "active" if is_active(token) else ("revoked" if token.revoked_at else "expired")
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        click.echo(f"{token.name}\t{token.person}\t{token.role}\t{state}\texpires {expiry}")


@tokens_command.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_token_command(name: str) -> None:
    """Refuse the token from now on."""
    try:
        revoke_token(name)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Revoked {name!r}.")


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Verify that every item's versions, revisions, search index and stored public JSON agree
    (exit 1 if not)."""
    problems = check_consistency()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} inconsistencies found.")
    click.echo("consistent: every item's versions, revisions, search index and public JSON agree")


@click.group("content")
def content_command() -> None:
    """Check the published content."""


@content_command.command("lint")
@with_appcontext
def lint_command() -> None:
    """Check every published item against the editors' rules: claims backed by citations, no
    curator notes, reading level, near-duplicates, unreachable items, typography (exit 1 on any
    finding)."""
    findings = lint()
    for finding in findings:
        click.echo(str(finding), err=True)
    if findings:
        raise click.ClickException(f"{len(findings)} findings.")
    click.echo("clean: every published item passes every rule")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path: str) -> None:
    """Copy the SQLite database to PATH, safely while the service runs (PostgreSQL: use pg_dump)."""
    settings = current_app.config["SETTINGS"]
    if not settings.is_sqlite:
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump --format=custom (see the README)."
        )
    # SQLite's online backup: a consistent copy, even of a database in WAL mode under writes.
    # Read-only: a wrong path is an error, not a new empty database backed up.
    try:
        source = sqlite3.connect(f"file:{make_url(settings.database_url).database}?mode=ro", uri=True)
    except sqlite3.OperationalError as error:
        raise click.ClickException(f"The database cannot be opened: {error}.") from None
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
    click.echo(f"backed up to {path}")


@click.command("render")
@with_appcontext
def render_command() -> None:
    """Render every published item's public JSON again (after a change of settings that it shows,
    such as REVIEW_INTERVAL_MONTHS)."""
    with statement_timeout_lifted(db.session):
        changed = public_items.render_all(db.session)
        db.session.commit()
    click.echo(f"rendered: {changed} changed")
