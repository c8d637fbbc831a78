"""A backup taken with the README's command restores to the same content, on both databases."""

import shutil
import subprocess

import pytest
from sqlalchemy.engine import make_url

from service.domain.db import db
from tests.apps import make_app

COLLECTIONS = ("therapies", "mechanisms", "indications", "faqs", "sources")


def _content(client, headers) -> dict:
    """Everything a reader and an editor can see: every list in full, and the whole change feed."""
    content = {
        name: client.get(f"/api/v1/{name}?page_size=100", headers=headers).json for name in COLLECTIONS
    }
    content["changes"] = client.get("/api/v1/changes?page_size=100", headers=headers).json
    return content


def _plain_postgres_url(url: str) -> str:
    # pg_dump and pg_restore speak libpq URLs: no SQLAlchemy driver name.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_backup_restores_to_the_same_content(backend, app, client, editor, tmp_path):
    etag = client.get("/api/v1/faqs/what-is-immunotherapy", headers=editor).headers["ETag"]
    edited = client.patch(
        "/api/v1/faqs/what-is-immunotherapy",
        json={"answer": "Treatment that helps the immune system fight disease.[^c1]"},
        headers=editor | {"If-Match": etag},
    )
    assert edited.status_code == 200
    original = _content(client, editor)

    if backend.name == "sqlite":
        backup = tmp_path / "backup.db"
        result = app.test_cli_runner().invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        restored_url = backend.databases.empty()
        shutil.copyfile(backup, make_url(restored_url).database)
    else:
        if shutil.which("pg_dump") is None:
            pytest.fail("pg_dump is missing: it comes with PostgreSQL's client tools.")
        backup = tmp_path / "backup.dump"
        source = _plain_postgres_url(app.config["SQLALCHEMY_DATABASE_URI"])
        subprocess.run(["pg_dump", "--format=custom", f"--file={backup}", source], check=True, timeout=120)
        restored_url = backend.databases.empty()
        target = _plain_postgres_url(restored_url)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(backup)], check=True, timeout=120
        )

    restored = make_app(restored_url)
    try:
        assert _content(restored.test_client(), editor) == original
        assert restored.test_cli_runner().invoke(args=["check"]).exit_code == 0
    finally:
        with restored.app_context():
            db.engine.dispose()
        backend.databases.drop(restored_url)
