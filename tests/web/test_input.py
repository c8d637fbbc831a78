"""Hostile input over every route the spec lists: query parameters, path slugs and JSON bodies full of
SQL and FTS syntax, NUL and control characters, emoji, 100 kB strings, wrong types, deep nesting
and huge arrays. Every answer is a 2xx or a problem+json 4xx, never a 5xx, and a refused request
changes nothing in the database."""

import json
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.db import db
from tests.apps import app_on

NASTY_STRINGS = [
    "' OR 1=1 --",
    '"; DROP TABLE therapies; --',
    'melanoma" OR "1"="1',
    "NEAR(pd 1) AND NOT * OR (((",
    "pd-1 & !ctla | <-> :*",
    '"',
    "\\",
    "%00",
    "\x00",
    "\x1b[31m\r\n\t\x7f",
    "\u202eevil\u200b",
    "😀" * 40,
    "x" * 100_000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    '{"$ne": 1}',
    "-1",
    "1e309",
    "NaN",
    " ",
    "",
]
# Any text a URL or JSON can carry (lone surrogates cannot be encoded, so no client can send them).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
NASTY = st.sampled_from(NASTY_STRINGS) | TEXT
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _operations(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            parameters = [_resolve(spec, parameter) for parameter in operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            fields = list(_resolve(spec, body.get("schema", {})).get("properties", {}))
            yield method.upper(), path, [p["name"] for p in parameters if p["in"] == "query"], fields


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def _fingerprint(app) -> tuple:
    with app.app_context():
        counts = db.session.execute(
            sa.text(
                "SELECT (SELECT value FROM content_generation), (SELECT COUNT(*) FROM revisions), "
                "(SELECT COUNT(*) FROM content_items), (SELECT COUNT(*) FROM api_tokens)"
            )
        ).one()
        db.session.remove()
    return tuple(counts)


def _send(app, client, admin, method, path, *, query=None, body=None, raw=None):
    before = _fingerprint(app)
    headers = dict(admin)
    if raw is not None:
        headers["Content-Type"] = "application/json"
    response = client.open(path, method=method, headers=headers, query_string=query, json=body, data=raw)
    assert response.status_code < 500, (method, path, query, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", (method, path, response.status_code)
        assert _fingerprint(app) == before, f"{method} {path} was refused but changed the database"
    return response


def _concrete(path: str, slug: str = "checkpoint-inhibitors", name: str = "editor-ann") -> str:
    return path.replace("{slug}", slug).replace("{version}", "1").replace("{name}", name)


def test_hostile_query_parameters(app, client, admin):
    operations = [op for op in _operations(client) if op[2]]

    @given(data=st.data())
    @SETTINGS
    def check(data):
        method, path, names, _ = data.draw(st.sampled_from(operations))
        query = data.draw(st.dictionaries(st.sampled_from(names), NASTY, min_size=1, max_size=3))
        _send(app, client, admin, method, _concrete(path), query=query)

    check()


def test_hostile_path_slugs(app, client, admin):
    operations = [op for op in _operations(client) if "{slug}" in op[1] or "{name}" in op[1]]

    @given(data=st.data())
    @SETTINGS
    def check(data):
        method, path, _, fields = data.draw(st.sampled_from(operations))
        slug = quote(data.draw(NASTY), safe="")
        _send(app, client, admin, method, _concrete(path, slug, name=slug), body={} if fields else None)

    check()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def test_hostile_json_bodies(app, client, admin):
    operations = [op for op in _operations(client) if op[3]]

    @given(data=st.data())
    @SETTINGS
    def check(data):
        method, path, _, fields = data.draw(st.sampled_from(operations))
        body = data.draw(
            st.dictionaries(st.sampled_from(fields) | TEXT, JSON_VALUES, max_size=len(fields) + 2)
            | JSON_VALUES
        )
        _send(app, client, admin, method, _concrete(path), body=body)

    check()


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 5_000 + "]" * 5_000,  # deep nesting
        json.dumps({"name": "x", "summary": {"deep": [[[[[[[[[[[[[["x"]]]]]]]]]]]]]]}}),
        json.dumps({"name": "x", "summary": "y", "examples": ["z"] * 100_000}),  # a huge array
        json.dumps({"name": "x" * 500_000}),
        json.dumps({"question": "\x00", "answer_markdown": "\x00"}),
        '{"name": "unterminated',
        "\ufeff{}",
        "",
        # Half a UTF-16 pair: valid JSON, but no character any database can store.
        '{"name": "\\ud800", "question": "x\\udfff", "summary": "s", "answer": "a"}',
    ],
)
def test_extreme_bodies_on_every_write(app, client, admin, raw):
    for method, path, _, fields in _operations(client):
        if fields:
            _send(app, client, admin, method, _concrete(path), raw=raw)


def test_a_lone_surrogate_is_a_422_that_names_it(client, admin):
    response = client.post(
        "/api/v1/faqs",
        data='{"question": "Why \\ud800?", "answer": "Because."}',
        headers=admin | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "surrogate" in response.json["detail"]


@pytest.mark.parametrize("position", [2.9, "7", 3.0, True])
def test_a_position_is_a_json_integer_nothing_else(client, admin, position):
    response = client.post(
        "/api/v1/faqs", json={"question": "Where?", "answer": "Here.", "position": position}, headers=admin
    )
    assert response.status_code == 422
    assert "position" in response.json["errors"]["json"]


@pytest.mark.parametrize("number", ["\u0661", "\u0662\u0660", "\uff11", " 1", "1_0", "+1"])
def test_query_integers_and_path_versions_are_ascii_digits(client, admin, number):
    for url in (f"/api/v1/faqs?page={quote(number)}", f"/api/v1/changes?since={quote(number)}"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert response.mimetype == "application/problem+json"
    revision = client.get(f"/api/v1/therapies/cytokines/revisions/{quote(number)}", headers=admin)
    assert revision.status_code == 404


def test_a_url_longer_than_the_limit_is_a_414_problem_whatever_it_names(backend):
    url = backend.databases.copy(backend.template_url)
    try:
        with app_on(url, max_uri_length=60) as app:
            client = app.test_client()
            base = "/api/v1/therapies?indication="
            fits = client.get(base + "a" * (60 - len(base)))
            assert fits.status_code == 200 and fits.json == []
            for target in (base + "a" * (61 - len(base)), "/api/v1/no-such-path/" + "a" * 40):
                response = client.get(target)
                assert response.status_code == 414 and response.content_type == "application/problem+json"
                assert response.json["status"] == 414 and "60 characters" in response.json["detail"]
    finally:
        backend.databases.drop(url)
