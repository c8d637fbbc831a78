"""Errors: every one is problem+json with a 4xx status where the client is at fault; never a trace."""

import json

import sqlalchemy as sa

from service.domain.db import db


def test_malformed_json_is_a_400(client, editor):
    response = client.post(
        "/api/v1/faqs",
        data='{"question": "Q?", "answer":',
        headers=editor | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


def test_a_body_that_is_not_json_is_a_415(client, editor):
    response = client.post("/api/v1/faqs", data="question=Q", headers=editor | {"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    form = client.post("/api/v1/faqs", data={"question": "Q"}, headers=editor)
    assert form.status_code == 415


def test_a_body_over_1_mib_is_a_413(client, editor):
    body = json.dumps({"question": "Q?", "answer": "x" * (1024 * 1024)})
    response = client.post("/api/v1/faqs", data=body, headers=editor | {"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_a_database_error_reaches_no_client_as_sql_or_a_trace(app, client, editor, caplog):
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE public_items"))
        db.session.commit()
    response = client.get("/api/v1/faqs")
    assert response.status_code in (500, 503)
    assert response.content_type == "application/problem+json"
    body = response.get_data(as_text=True)
    for leak in ("public_items", "SELECT", "Traceback", "sqlalchemy", ".py"):
        assert leak not in body
    assert "public_items" in caplog.text


def test_json_arrays_and_wrong_types_are_422_not_500(client, editor):
    assert client.post("/api/v1/faqs", json=[1, 2], headers=editor).status_code == 422
    assert (
        client.post(
            "/api/v1/faqs", json={"question": {"deep": [1]}, "answer": None}, headers=editor
        ).status_code
        == 422
    )
    response = client.post(
        "/api/v1/therapies", json={"name": "x", "summary": "y", "sources": [{"quote": 1}]}, headers=editor
    )
    assert response.status_code == 422
