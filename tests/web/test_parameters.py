"""Query parameters: an undeclared one is a 422 naming it, on every route; a single-valued one
given twice is a 422; every parameter the routes read is declared in the spec."""

import pytest

from tests.workflow import preview_etag

# Every route of the API, each with a query it takes (so that only the unknown parameter is wrong).
READS = [
    "/api/v1?",
    "/api/v1/therapies?page_size=2",
    "/api/v1/therapies/cytokines?",
    "/api/v1/mechanisms?therapy=cytokines",
    "/api/v1/indications/melanoma?fields=name",
    "/api/v1/faqs?sort=question",
    "/api/v1/sources?page=1",
    "/api/v1/sources/immunotherapy-use?",
    "/api/v1/search?q=melanoma",
    "/api/v1/search/suggest?q=mela",
    "/api/v1/changes?since=0",
    "/healthz?",
    "/readyz?",
    "/api/v1/openapi.json?",
]
WITH_A_TOKEN = [
    "/api/v1/therapies/cytokines?preview=true",
    "/api/v1/therapies/cytokines/revisions?page=1",
    "/api/v1/therapies/cytokines/revisions/1?",
    "/api/v1/reviews/due?",
    "/api/v1/synonyms?page_size=5",
    "/api/v1/synonyms/1?",
    "/api/v1/synonyms/1/revisions?",
    "/api/v1/auth/whoami?",
]


def refused(response, *names: str) -> None:
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert set(body["errors"]["query"]) == set(names)
    for name in names:
        assert f"`{name}`" in body["detail"]


@pytest.mark.parametrize("url", READS)
def test_an_unknown_parameter_of_a_read_is_a_422_naming_it(client, url):
    assert client.get(url).status_code == 200
    refused(client.get(f"{url}&pagesize=5"), "pagesize")
    # Cache-busting and JSONP-style parameters are no exception.
    refused(client.get(f"{url}&callback=f&_=1700000000"), "callback", "_")


@pytest.mark.parametrize("url", WITH_A_TOKEN)
def test_an_unknown_parameter_of_a_read_with_a_token_is_a_422_naming_it(client, admin, url):
    assert client.get(url, headers=admin).status_code == 200
    refused(client.get(f"{url}&colour=red", headers=admin), "colour")


def test_an_unknown_parameter_of_a_write_is_a_422_and_changes_nothing(client, editor):
    url = "/api/v1/therapies/cytokines"
    etag = preview_etag(client, url, editor)
    headers = editor | {"If-Match": etag}
    refused(client.patch(f"{url}?dry_run=1", json={"summary": "Changed."}, headers=headers), "dry_run")
    assert preview_etag(client, url, editor) == etag
    refused(
        client.post("/api/v1/faqs?draft=1", json={"question": "Q?", "answer": "A."}, headers=editor), "draft"
    )
    refused(client.post(f"{url}/submit?now=1", headers=headers), "now")
    assert client.get("/api/v1/tokens?all=1", headers=editor).status_code == 422


def test_the_422_lists_what_the_operation_takes(client):
    body = client.get("/api/v1/therapies?indications=melanoma").get_json()
    assert "`indication`" in body["detail"] and "`fields`" in body["detail"]
    assert client.get("/healthz?probe=1").get_json()["detail"].endswith("It takes: none.")


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/v1/therapies?sort=name&sort=-name", "sort"),
        ("/api/v1/faqs?page=1&page=2", "page"),
        ("/api/v1/search?q=melanoma&q=lung", "q"),
        ("/api/v1/therapies/cytokines?preview=false&preview=true", "preview"),
        ("/api/v1/changes?since=1&since=2", "since"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_a_422_never_its_first_value(client, url, name):
    response = client.get(url)
    refused(response, name)
    assert "2 times" in response.get_json()["errors"]["query"][name][0]


def test_the_documentation_pages_ignore_their_query_string(client):
    # HTML for people, linked from anywhere: a tracking parameter must not break them.
    for url in ("/api/v1/docs", "/api/v1/redoc", "/api/v1/docs/assets/swagger-init.js"):
        response = client.get(f"{url}?utm_source=newsletter")
        assert response.status_code == 200, url


def test_a_cors_preflight_with_a_query_is_answered(client):
    response = client.options(
        "/api/v1/therapies?fields=name",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_every_parameter_a_route_reads_is_declared_in_the_spec(client):
    # The spec is what the refusal reads: what it declares is what every route accepts.
    spec = client.get("/api/v1/openapi.json").get_json()
    declared = {
        (path, method): {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    assert declared[("/api/v1/therapies", "get")] >= {
        "page",
        "page_size",
        "indication",
        "mechanism",
        "slug",
        "q",
        "status",
        "sort",
        "fields",
    }
    assert declared[("/api/v1/therapies/{slug}", "get")] == {"preview", "fields"}
    assert declared[("/api/v1/sources/{slug}", "get")] == {"preview", "fields"}
    assert declared[("/api/v1/search", "get")] == {"q", "type", "page", "page_size"}
    assert declared[("/api/v1/changes", "get")] == {"since", "page_size"}
    assert declared[("/api/v1/therapies/{slug}", "patch")] == set()
    # A list is documented as one comma-separated parameter.
    parameters = spec["paths"]["/api/v1/therapies"]["get"]["parameters"]
    fields = next(p for p in parameters if p.get("name") == "fields")
    assert (fields["style"], fields["explode"], fields["schema"]["type"]) == ("form", False, "array")
