"""Tokens and roles: made on the CLI or by admins, hashed at rest, required by every write."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from service.domain.db import db
from service.domain.models import ApiToken

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def test_cli_creates_a_token_printed_alone_on_the_last_line_and_stores_only_its_hash(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--name", "cli-editor", "--role", "editor"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", secret)
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken).filter_by(name="cli-editor"))
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str([getattr(stored, c.key) for c in ApiToken.__table__.columns])
    whoami = app.test_client().get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert whoami.json["name"] == "cli-editor" and whoami.json["role"] == "editor"

    listed = runner.invoke(args=["tokens", "list"])
    assert "cli-editor\teditor\tactive" in listed.output and secret not in listed.output
    assert runner.invoke(args=["tokens", "revoke", "cli-editor"]).exit_code == 0
    again = app.test_client().get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401
    assert runner.invoke(args=["tokens", "create", "--name", "cli-editor", "--role", "editor"]).exit_code != 0
    assert runner.invoke(args=["tokens", "create", "--name", "x", "--role", "owner"]).exit_code != 0


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "bearer"]
)
def test_no_or_bad_token_is_a_401_with_www_authenticate(client, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post("/api/v1/faqs", json={"question": "Q?", "answer": "A."}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == "application/problem+json"


def test_expired_tokens_are_refused(app, client):
    with app.app_context():
        from service.domain.tokens import create_token

        token, secret = create_token("short-lived", "editor", expires_in_days=1)
        token.expires_at = token.created_at.replace(year=2000)
        db.session.commit()
    assert client.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_an_editor_cannot_manage_tokens(client, editor):
    assert client.get("/api/v1/tokens", headers=editor).status_code == 403
    response = client.post("/api/v1/tokens", json={"name": "x", "role": "admin"}, headers=editor)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_admins_make_list_and_revoke_tokens_over_the_api(client, admin):
    created = client.post("/api/v1/tokens", json={"name": "editor-cy", "role": "editor"}, headers=admin)
    assert created.status_code == 201
    secret = created.json["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/auth/whoami", headers=bearer).json["name"] == "editor-cy"
    listed = client.get("/api/v1/tokens", headers=admin)
    assert "editor-cy" in [token["name"] for token in listed.json]
    assert secret not in listed.get_data(as_text=True)
    assert all("token" not in token and "token_hash" not in token for token in listed.json)
    assert (
        client.post("/api/v1/tokens", json={"name": "editor-cy", "role": "editor"}, headers=admin).status_code
        == 409
    )
    assert client.delete("/api/v1/tokens/editor-cy", headers=admin).json["active"] is False
    assert client.get("/api/v1/auth/whoami", headers=bearer).status_code == 401
    assert client.delete("/api/v1/tokens/nobody", headers=admin).status_code == 404


def test_no_write_route_is_reachable_without_a_token(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            # Numbers where the path takes one (a version, a synonym set's id), slugs elsewhere.
            url = rule.build(
                {
                    name: "1" if name == "version" or name.endswith("_id") else "checkpoint-inhibitors"
                    for name in rule.arguments
                }
            )[1]
            response = client.open(url, method=method, json={})
            assert response.status_code == 401, (method, url, response.status_code)
            checked += 1
    assert checked >= 4 * 5 + 2  # four types (create, patch, put, delete, restore) and tokens


def test_reading_drafts_needs_a_token(client, editor):
    assert client.get("/api/v1/faqs?status=draft").status_code == 401
    assert client.get("/api/v1/faqs?status=any", headers=editor).status_code == 200


@pytest.mark.parametrize("name", ["ann\n", "ann\nforged log line", "", "a b", "x" * 121])
def test_a_token_name_is_checked_whole_over_the_api_and_on_the_cli(app, client, admin, name):
    response = client.post("/api/v1/tokens", json={"name": name, "role": "editor"}, headers=admin)
    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--name", name, "--role", "editor"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).filter_by(name=name)) == 0
