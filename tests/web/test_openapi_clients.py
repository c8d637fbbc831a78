"""The spec as client generators read it: every field typed, the fields always present required,
open enums open, problems typed, the paging header a schema, the change note and the request id
declared, examples everywhere; and real answers that hold to it."""

import copy
import json

from jsonschema import Draft202012Validator

from service.domain.models import (
    AREAS,
    CONTENT_TYPES,
    IMMUNOTHERAPY_STATUSES,
    REVISION_ACTIONS,
    ROLES,
    STATUSES,
    SYNONYM_ACTIONS,
)
from service.web.schemas import DUE_REASONS
from tests.web.test_openapi import operations, served

REF = "#/components/schemas/"
# Fields a response carries only sometimes: a problem names fields only when it is a 422.
SOMETIMES = {"Problem": {"errors"}}
# Values of any JSON type, on purpose: a revision's snapshot is the kind's create body, whatever the kind.
FREE_FORM = {f"{REF}RevisionDetail/properties/snapshot/additionalProperties"}
JSON_MEDIA_TYPES = ("application/json", "application/problem+json")


def _resolved(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def _schemas(spec: dict):
    """(where, schema) for every schema in the spec: components, parameters, bodies, answers, headers."""
    for name, schema in spec["components"]["schemas"].items():
        yield f"{REF}{name}", schema

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "schema" and isinstance(value, dict):
                    yield f"{where}/schema", value
                elif key != "schemas":
                    yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    yield from walk({"paths": spec["paths"], "components": spec["components"]}, "#")


def _untyped(node, where: str):
    """The places in a schema where a value's type is not said."""
    if not isinstance(node, dict):
        return
    if not {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"} & node.keys():
        yield where
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, member in enumerate(node.get(keyword, [])):
            yield from _untyped(member, f"{where}/{keyword}/{index}")
    for name, member in node.get("properties", {}).items():
        yield from _untyped(member, f"{where}/properties/{name}")
    if "items" in node:
        yield from _untyped(node["items"], f"{where}/items")
    extra = node.get("additionalProperties")
    if extra is True or extra == {}:
        yield f"{where}/additionalProperties"
    elif isinstance(extra, dict):
        yield from _untyped(extra, f"{where}/additionalProperties")


def test_every_value_in_every_schema_is_typed(client):
    untyped = {where for path, schema in _schemas(served(client)) for where in _untyped(schema, path)}
    assert untyped == FREE_FORM


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _response_schema_names(spec: dict) -> set[str]:
    """Every schema a JSON answer or the paging header holds, nested ones included (not JSON-LD's,
    whose nodes carry what their kind of item has)."""
    todo = _refs(spec["components"]["headers"]["X-Pagination"])
    for _path, _method, operation in operations(spec):
        for response in operation["responses"].values():
            content = _resolved(spec, response).get("content", {})
            todo |= _refs([content[media] for media in JSON_MEDIA_TYPES if media in content])
    names = set()
    while todo:
        ref = todo.pop()
        name = ref.removeprefix(REF)
        if ref.startswith(REF) and name not in names:
            names.add(name)
            todo |= _refs(spec["components"]["schemas"][name])
    return names


def test_every_field_a_response_always_carries_is_required(client):
    spec = served(client)
    schemas = spec["components"]["schemas"]
    names = _response_schema_names(spec)
    assert {"Therapy", "Mechanism", "Indication", "Faq", "Source", "Hit", "Link", "Citation"} <= names
    assert {"Problem", "PaginationMetadata", "ChangeFeed", "Token", "SynonymSet", "Revision"} <= names
    for name in names:
        schema = schemas[name]
        properties = set(schema.get("properties", {}))
        assert set(schema.get("required", [])) == properties - SOMETIMES.get(name, set()), name
        # Clients must tolerate fields added later: no schema of an answer forbids them.
        assert schema.get("additionalProperties", True) is not False, name


CONTENT = ("Therapy", "Mechanism", "Indication", "Faq", "Source")
CHANGES = ("Revision", "RevisionDetail", "Change")


def test_closed_enums_are_enums_and_open_ones_take_new_values(client):
    spec = served(client)
    schemas = spec["components"]["schemas"]
    area = schemas["Indication"]["properties"]["area"]
    assert area["type"] == "string" and area["enum"] == list(AREAS)
    # Each open list is one named schema, so that a generated client makes one type of it; every
    # field of it is `anyOf` that schema and any string.
    open_enums = {
        "ContentStatus": (STATUSES, [(name, "status") for name in (*CONTENT, *CHANGES)]),
        "ImmunotherapyStatus": (IMMUNOTHERAPY_STATUSES, [("Indication", "immunotherapy_status")]),
        "ContentType": (CONTENT_TYPES, [(name, "type") for name in ("Change", "Hit", "Suggestion", "Due")]),
        "RevisionAction": (REVISION_ACTIONS, [(name, "action") for name in CHANGES]),
        "SynonymAction": (SYNONYM_ACTIONS, [("SynonymRevision", "action")]),
        "Role": (ROLES, [(name, "role") for name in ("Token", "NewToken", "WhoAmI")]),
        "DueReason": (DUE_REASONS, [("Due", "reason")]),
    }
    fields_of = {}
    for name, schema in schemas.items():
        for field, definition in schema.get("properties", {}).items():
            for alternative in definition.get("anyOf", []):
                if alternative.get("$ref", "").removeprefix(REF) in open_enums:
                    fields_of.setdefault(alternative["$ref"].removeprefix(REF), set()).add((name, field))
    for enum, (values, uses) in open_enums.items():
        assert (schemas[enum]["type"], schemas[enum]["enum"]) == ("string", list(values)), enum
        assert schemas[enum]["description"] and schemas[enum]["example"] in values, enum
        # The selected representations (`TherapyFields`, ...) use them as the whole ones do.
        selected = {(f"{name}Fields", field) for name, field in uses if name in CONTENT}
        assert fields_of[enum] == set(uses) | selected, enum
        for schema, field in fields_of[enum]:
            definition = schemas[schema]["properties"][field]
            assert definition["anyOf"] == [{"$ref": f"{REF}{enum}"}, {"type": "string"}], (schema, field)
            assert "type" not in definition, (schema, field)
            validator = Draft202012Validator({**definition, "components": spec["components"]})
            assert validator.is_valid(values[0]) and validator.is_valid("a-value-added-later")
            assert not validator.is_valid(None)


def test_problem_details_are_typed_field_by_field(client):
    schemas = served(client)["components"]["schemas"]
    messages_or_fields = {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"$ref": f"{REF}FieldErrors"}]
    }
    assert schemas["Problem"]["properties"]["errors"]["additionalProperties"] == messages_or_fields
    assert schemas["FieldErrors"]["additionalProperties"] == messages_or_fields


def test_the_paging_header_is_json_of_a_schema_with_null_at_the_edges(client):
    spec = served(client)
    header = spec["components"]["headers"]["X-Pagination"]
    assert header["content"] == {"application/json": {"schema": {"$ref": f"{REF}PaginationMetadata"}}}
    pagination = spec["components"]["schemas"]["PaginationMetadata"]
    for field in ("previous_page", "next_page"):
        assert pagination["properties"][field]["type"] == ["integer", "null"]
    for field in ("total", "total_pages", "first_page", "last_page", "page"):
        assert pagination["properties"][field]["type"] == "integer"
    lists = [
        (path, operation)
        for path, method, operation in operations(spec)
        if method == "get" and "X-Pagination" in operation["responses"]["200"].get("headers", {})
    ]
    assert {"/api/v1/therapies", "/api/v1/search", "/api/v1/synonyms"} <= {path for path, _ in lists}
    for path, operation in lists:
        assert operation["responses"]["200"]["headers"]["X-Pagination"] == {
            "$ref": "#/components/headers/X-Pagination"
        }, path


def test_every_write_declares_the_change_note_header(client):
    spec = served(client)
    writes = 0
    for path, method, operation in operations(spec):
        if method == "get" or path.startswith("/api/v1/tokens"):
            continue
        notes = [
            parameter
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "header" and parameter.get("name") == "X-Change-Note"
        ]
        assert len(notes) == 1 and notes[0]["required"] is False, (method, path)
        assert notes[0]["schema"]["maxLength"] == 1000 and notes[0]["description"], (method, path)
        writes += 1
    # Per content type: create, change, archive, restore and four review steps; a replacement
    # (sources have none); a synonym set's creation, replacement and deletion.
    assert writes == 5 * 8 + 4 + 3


def test_a_change_note_too_long_is_refused_naming_the_header(client, editor):
    url = "/api/v1/therapies/cytokines"
    etag = client.get(url, headers=editor).headers["ETag"]
    response = client.patch(
        url, headers=editor | {"If-Match": etag, "X-Change-Note": "x" * 1001}, json={"summary": "Shorter."}
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["headers"]
    assert list(response.json["errors"]["headers"]) == ["X-Change-Note"]


def test_every_response_declares_the_request_id(client):
    spec = served(client)
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            headers = _resolved(spec, response).get("headers", {})
            assert headers.get("X-Request-ID") == {"$ref": "#/components/headers/X-Request-ID"}, (
                method,
                path,
                status,
            )


def test_the_request_id_and_why_a_token_was_refused_are_exposed_to_scripts(client):
    response = client.get("/api/v1/therapies", headers={"Origin": "https://app.example"})
    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "www-authenticate"} <= exposed
    refused = client.get("/api/v1/auth/whoami", headers={"Origin": "https://app.example"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "www-authenticate" in refused.headers["Access-Control-Expose-Headers"].lower()


def _exemplified(definition: dict) -> bool:
    if "example" in definition or "examples" in definition or "$ref" in definition:
        return True
    return definition.get("type") == "array" and "$ref" in definition.get("items", {})


def test_every_schema_has_an_example(client):
    for name, schema in served(client)["components"]["schemas"].items():
        if "example" in schema:
            continue
        assert schema.get("properties"), name
        for field, definition in schema["properties"].items():
            assert _exemplified(definition), (name, field)


def test_the_description_opens_the_docs_with_a_guide(client):
    info = served(client)["info"]
    guide = info["description"]
    headings = ("## Reading", "## Caching", "## Tokens and writing", "## Errors", "## Medical disclaimer")
    assert all(heading in guide for heading in headings)
    terms = ("X-Pagination", "ETag", "If-None-Match", "If-Match", "Bearer", "problem+json", "medical advice")
    assert all(term in guide for term in terms)


# --- Real answers against the spec ----------------------------------------------------------------


def _closed(components: dict) -> dict:
    """The components with every object schema closed to fields it does not name: an answer holding an
    undocumented field fails, though clients are told to tolerate new ones."""
    components = copy.deepcopy(components)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(components["schemas"])
    return components


def _declared(spec: dict, method: str, path: str, status: int, media_type: str = "application/json") -> dict:
    response = _resolved(spec, spec["paths"][path][method]["responses"][str(status)])
    return response["content"][media_type]["schema"]


def _holds_to(spec: dict, body, schema: dict) -> None:
    """The body validates against the schema, its references resolved in the spec's components."""
    root = {**schema, "components": _closed(spec["components"])}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    assert not errors, [f"{list(error.absolute_path)}: {error.message}" for error in errors[:5]]


def _pagination_holds(spec: dict, response) -> None:
    header = spec["components"]["headers"]["X-Pagination"]["content"]["application/json"]["schema"]
    _holds_to(spec, json.loads(response.headers["X-Pagination"]), header)


def test_every_collection_and_its_items_hold_to_their_schemas(client, editor):
    spec = served(client)
    for collection in client.get("/api/v1").json["collections"]:
        path = f"/api/v1/{collection}"
        for headers in ({}, editor):
            response = client.get(f"{path}?page_size=100&status=any" if headers else path, headers=headers)
            assert response.status_code == 200, path
            _holds_to(spec, response.json, _declared(spec, "get", path, 200))
            _pagination_holds(spec, response)
        slug = response.json[0]["slug"]
        item_path = f"{path}/{{slug}}"
        for query in ("", "?preview=true"):
            item = client.get(f"{path}/{slug}{query}", headers=editor)
            _holds_to(spec, item.json, _declared(spec, "get", item_path, 200))
        revisions = client.get(f"{path}/{slug}/revisions", headers=editor)
        _holds_to(spec, revisions.json, _declared(spec, "get", f"{item_path}/revisions", 200))
        _pagination_holds(spec, revisions)
        revision = client.get(f"{path}/{slug}/revisions/1", headers=editor)
        _holds_to(spec, revision.json, _declared(spec, "get", f"{item_path}/revisions/{{version}}", 200))


def test_a_page_past_the_end_and_the_first_page_hold_to_the_paging_schema(client):
    spec = served(client)
    first = client.get("/api/v1/faqs?page_size=5")
    assert json.loads(first.headers["X-Pagination"])["previous_page"] is None
    _pagination_holds(spec, first)
    empty = client.get("/api/v1/therapies?indication=no-such-indication")
    assert json.loads(empty.headers["X-Pagination"])["next_page"] is None
    _pagination_holds(spec, empty)


def test_a_written_item_and_its_review_steps_hold_to_their_schemas(client, editor, reviewer):
    spec = served(client)
    created = client.post(
        "/api/v1/faqs",
        headers=editor | {"X-Change-Note": "A new question."},
        json={"question": "Is immunotherapy new?", "answer": "Not quite.", "topics": ["basics"]},
    )
    assert created.status_code == 201
    _holds_to(spec, created.json, _declared(spec, "post", "/api/v1/faqs", 201))
    assert created.json["published_at"] is None and created.json["published_version"] is None
    submitted = client.post(
        f"{created.headers['Location']}/submit", headers=editor | {"If-Match": created.headers["ETag"]}
    )
    assert submitted.status_code == 200
    _holds_to(spec, submitted.json, _declared(spec, "post", "/api/v1/faqs/{slug}/submit", 200))
    due = client.get("/api/v1/reviews/due", headers=reviewer)
    assert due.json
    _holds_to(spec, due.json, _declared(spec, "get", "/api/v1/reviews/due", 200))


def test_the_other_reads_hold_to_their_schemas(client, editor, admin):
    spec = served(client)
    reads = [
        ("/api/v1", "/api/v1", {}),
        ("/healthz", "/healthz", {}),
        ("/readyz", "/readyz", {}),
        ("/api/v1/search", "/api/v1/search?q=pembrolizumb%20side%20effects", {}),
        ("/api/v1/search/suggest", "/api/v1/search/suggest?q=what%20is%20imm", {}),
        ("/api/v1/changes", "/api/v1/changes?page_size=100", {}),
        ("/api/v1/synonyms", "/api/v1/synonyms", editor),
        ("/api/v1/synonyms/{set_id}", "/api/v1/synonyms/1", editor),
        ("/api/v1/synonyms/{set_id}/revisions", "/api/v1/synonyms/1/revisions", editor),
        ("/api/v1/tokens", "/api/v1/tokens", admin),
        ("/api/v1/auth/whoami", "/api/v1/auth/whoami", editor),
    ]
    for template, url, headers in reads:
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and response.json, url
        _holds_to(spec, response.json, _declared(spec, "get", template, 200))
    token = client.post("/api/v1/tokens", headers=admin, json={"name": "viewer-di", "role": "viewer"})
    _holds_to(spec, token.json, _declared(spec, "post", "/api/v1/tokens", 201))
    revoked = client.delete("/api/v1/tokens/viewer-di", headers=admin)
    _holds_to(spec, revoked.json, _declared(spec, "delete", "/api/v1/tokens/{name}", 200))


def test_problems_hold_to_the_problem_schema_nested_field_errors_too(client, editor):
    spec = served(client)
    problem = "application/problem+json"
    missing = client.get("/api/v1/therapies/no-such-therapy")
    assert missing.status_code == 404 and "errors" not in missing.json
    _holds_to(spec, missing.json, _declared(spec, "get", "/api/v1/therapies/{slug}", 404, problem))
    invalid_json = client.post("/api/v1/therapies", headers=editor, data="{", content_type="application/json")
    assert invalid_json.status_code == 400 and invalid_json.json["errors"]["json"] == ["Invalid JSON body."]
    _holds_to(spec, invalid_json.json, _declared(spec, "post", "/api/v1/therapies", 400, problem))
    malformed = client.get("/api/v1/faqs?page_size=1000")
    assert malformed.status_code == 422
    _holds_to(spec, malformed.json, _declared(spec, "get", "/api/v1/faqs", 422, problem))
    nested = client.post(
        "/api/v1/therapies",
        headers=editor,
        json={"summary": "S.", "sources": [{"source": "immunotherapy-use", "quote": "short"}]},
    )
    assert nested.status_code == 422
    assert nested.json["errors"]["json"]["sources"]["0"]["quote"]
    assert nested.json["errors"]["json"]["name"]
    _holds_to(spec, nested.json, _declared(spec, "post", "/api/v1/therapies", 422, problem))
