"""The OpenAPI spec: valid, complete, snapshotted, and never losing anything of v1."""

import json
import re
import warnings

from openapi_spec_validator import validate

from service.settings import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "docs" / "openapi.json"
BASELINE = PROJECT_ROOT / "docs" / "openapi-v1-baseline.json"
METHODS = {"get", "post", "put", "patch", "delete"}
SECURED_STATUSES = {"401", "403"}


def served(client) -> dict:
    return client.get("/api/v1/openapi.json").json


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_spec_is_valid_openapi(client):
    spec = served(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_the_spec_builds_without_apispec_warnings(app):
    # Duplicate schema names and unresolvable fields show as warnings while the spec is built.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert app.test_client().get("/api/v1/openapi.json").status_code == 200


def test_every_operation_is_described_and_every_write_secured(client):
    spec = served(client)
    tags = {tag["name"]: tag for tag in spec["tags"]}
    assert all(tag.get("description") for tag in tags.values())
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("summary") and operation.get("description"), where
        assert set(operation["tags"]) <= set(tags), where
        for parameter in operation.get("parameters", []):
            if "$ref" not in parameter:
                assert parameter.get("description"), (where, parameter["name"])
        if method != "get" or path.startswith(("/api/v1/tokens", "/api/v1/auth")) or "revisions" in path:
            assert operation.get("security") == [{"bearerAuth": []}], where
            assert set(operation["responses"]) >= SECURED_STATUSES, where
        if not path.startswith("/api/v1/tokens") and (
            method in ("put", "patch", "delete") or path.endswith("/restore")
        ):
            refs = [parameter.get("$ref", "") for parameter in operation.get("parameters", [])]
            assert "#/components/parameters/IfMatch" in refs, where
            assert {"412", "428"} <= set(operation["responses"]), where
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


def test_every_schema_field_is_described(client):
    for name, schema in served(client)["components"]["schemas"].items():
        for field, definition in schema.get("properties", {}).items():
            assert definition.get("description") or "$ref" in definition, (
                name,
                field,
            )


def test_errors_are_documented_as_problem_json(client):
    responses = served(client)["components"]["responses"]
    for name in ("NOT_FOUND", "UNPROCESSABLE_ENTITY", "PRECONDITION_FAILED", "SERVICE_UNAVAILABLE"):
        assert list(responses[name]["content"]) == ["application/problem+json"]
    assert "Retry-After" in responses["SERVICE_UNAVAILABLE"]["headers"]
    assert "content" not in responses["NOT_MODIFIED"]


def test_the_served_spec_is_the_committed_snapshot(client):
    # After an API change, `make spec` rewrites docs/openapi.json: the change becomes a reviewed diff.
    assert served(client) == json.loads(SNAPSHOT.read_text()), "Run `make spec` and review the diff."


def _contract(spec: dict) -> set[tuple]:
    """Everything of the API a client may depend on: paths, parameters, statuses, schema fields."""
    facts = set()
    for path, method, operation in operations(spec):
        facts.add(("operation", path, method))
        for parameter in operation.get("parameters", []):
            facts.add(
                ("parameter", path, method, parameter.get("$ref") or (parameter["in"], parameter["name"]))
            )
        for status in operation["responses"]:
            facts.add(("status", path, method, status))
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        facts.add(("schema", name))
        for field, definition in schema.get("properties", {}).items():
            facts.add(("field", name, field))
            facts |= {(fact, name, field, *value) for fact, *value in _field_facts(definition, schemas)}
    return facts


def _field_facts(definition: dict, schemas: dict):
    """A field's type, what its list holds, that it is never null and each value it may take (an
    enum it refers to by name is read where it is defined: its values are the field's)."""
    alternatives = definition.get("anyOf") or definition.get("oneOf") or [definition]
    types = set()
    for alternative in alternatives:
        named = schemas.get(alternative.get("$ref", "").removeprefix("#/components/schemas/"), {})
        if "enum" in named:
            alternative = named
        kind = alternative.get("type", alternative.get("$ref"))
        types |= set(kind) if isinstance(kind, list) else {kind}
        for value in alternative.get("enum", []):
            yield ("value", value)
    if types == {None}:
        return  # untyped: any type a later version gives it narrows nothing clients relied on
    yield ("type", json.dumps(sorted(str(kind) for kind in types - {"null"})))
    if "null" not in types:
        yield ("never null",)
    if "items" in definition:
        yield ("holds", json.dumps(definition["items"], sort_keys=True))


# What v1 lets change: an enum may gain values (clients must tolerate them), and side_effects may be
# null ("unknown", where [] says "none"). The paging header always said null for the page before the
# first and after the last: v1's spec, flask-smorest's schema, called them integers, wrongly.
ALLOWED_CHANGES = {
    ("never null", schema, "side_effects") for schema in ("Therapy", "TherapyCreate", "TherapyUpdate")
} | {("never null", "PaginationMetadata", field) for field in ("previous_page", "next_page")}


# Schemas of v1 given another name, the same JSON under it: the change feed's page was `Changes`,
# the name of its own `changes` field too, which a generated Python client cannot tell apart.
RENAMED_SCHEMAS = {"Changes": "ChangeFeed"}
SCHEMA_FACTS = {"schema", "field", "type", "never null", "value", "holds"}


def _renamed(facts: set[tuple]) -> set[tuple]:
    return {
        (fact[0], RENAMED_SCHEMAS.get(fact[1], fact[1]), *fact[2:]) if fact[0] in SCHEMA_FACTS else fact
        for fact in facts
    }


def _answer_schemas(spec: dict) -> set[tuple]:
    """(path, method, status, media type, schema name) of every answer that names its schema."""
    return {
        (path, method, status, media, content["schema"]["$ref"].rsplit("/", 1)[-1])
        for path, method, operation in operations(spec)
        for status, response in operation["responses"].items()
        if isinstance(response, dict)
        for media, content in response.get("content", {}).items()
        if "$ref" in content.get("schema", {})
    }


def test_nothing_of_v1_is_removed_or_renamed(client):
    baseline = json.loads(BASELINE.read_text())
    missing = _renamed(_contract(baseline)) - _contract(served(client)) - ALLOWED_CHANGES
    assert not missing, f"A breaking change to v1 (it needs /api/v2): {sorted(missing)[:10]}"


def test_a_renamed_schema_answers_where_its_old_name_did(client):
    answers = _answer_schemas(served(client))
    renamed = {
        (*where, RENAMED_SCHEMAS[name])
        for *where, name in _answer_schemas(json.loads(BASELINE.read_text()))
        if name in RENAMED_SCHEMAS
    }
    assert renamed and renamed <= answers
    assert not {name for *_, name in answers} & set(RENAMED_SCHEMAS)


def test_the_contract_check_catches_a_changed_type_a_lost_value_and_a_new_null(client):
    spec = served(client)
    properties = {
        name: schema.get("properties", {}) for name, schema in spec["components"]["schemas"].items()
    }
    properties["Faq"]["position"]["type"] = "string"
    properties["IndicationCreate"]["immunotherapy_status"]["enum"].remove("investigational")
    properties["Therapy"]["name"]["type"] = ["string", "null"]
    properties["IndicationCreate"]["area"]["enum"].append("dermatology")
    spec["components"]["schemas"]["Role"]["enum"].remove("viewer")
    missing = _contract(served(client)) - _contract(spec) - ALLOWED_CHANGES
    assert missing == {
        ("type", "Faq", "position", '["integer"]'),
        ("value", "IndicationCreate", "immunotherapy_status", "investigational"),
        ("never null", "Therapy", "name"),
        # A value lost from a named enum is lost from every field that refers to it.
        *{("value", schema, "role", "viewer") for schema in ("Token", "NewToken", "WhoAmI")},
    }


def test_the_contract_check_catches_a_removal(client):
    spec = served(client)
    del spec["paths"]["/api/v1/search"]
    spec["components"]["schemas"]["Therapy"]["properties"].pop("summary")
    missing = _contract(served(client)) - _contract(spec)
    assert ("operation", "/api/v1/search", "get") in missing
    assert ("field", "Therapy", "summary") in missing


def test_every_operation_declares_the_refusals_any_request_may_get(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        if path in ("/healthz", "/readyz"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            expected = {"401", "422", "429"}
            if "requestBody" in operation:
                expected |= {"400", "413", "415"}
            assert expected <= set(operation["responses"]), (method, path)


def test_every_operation_has_its_own_stable_camel_case_operation_id(client):
    spec = served(client)
    ids = [operation.get("operationId") for _path, _method, operation in operations(spec)]
    assert all(ids) and len(ids) == len(set(ids)), sorted(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)+", operation_id) for operation_id in ids), ids
    by_route = {(method, path): operation["operationId"] for path, method, operation in operations(spec)}
    assert by_route[("get", "/api/v1/therapies")] == "listTherapies"
    assert by_route[("patch", "/api/v1/therapies/{slug}")] == "updateTherapy"
    assert by_route[("put", "/api/v1/faqs/{slug}")] == "replaceFaq"
    assert by_route[("post", "/api/v1/mechanisms/{slug}/reviews")] == "confirmMechanismReview"
    assert by_route[("get", "/api/v1/search")] == "searchContent"
    assert by_route[("get", "/api/v1")] == "getApiIndex"


def test_the_server_is_the_origin_that_serves_the_spec(client):
    # Relative: a generated client calls where the spec came from, not a guessed http://localhost.
    assert served(client)["servers"] == [{"url": "/", "description": "The origin that serves this spec."}]
