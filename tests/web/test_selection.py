"""Field selection: `fields=` on every list and item read answers only those fields (and `slug` and
`href`), as its own media type, with its own ETag, validated, and documented as such."""

import jsonschema
import pytest

from service.web.selection import FIELDS_MEDIA_TYPE
from tests.workflow import approve, preview_etag

ITEMS = {
    "therapies": ("cytokines", "name"),
    "mechanisms": ("checkpoint-blockade", "name"),
    "indications": ("melanoma", "area"),
    "faqs": ("what-is-immunotherapy", "question"),
    "sources": ("immunotherapy-use", "title"),
}
SCHEMAS = {
    "therapies": "TherapyFields",
    "mechanisms": "MechanismFields",
    "indications": "IndicationFields",
    "faqs": "FaqFields",
    "sources": "SourceFields",
}


def conforms(client, instance, schema_name: str) -> None:
    """The answer holds to the spec's schema of the selected representation."""
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("collection", ITEMS)
def test_a_list_answers_only_the_fields_asked_for_and_is_smaller(client, collection):
    _slug, field = ITEMS[collection]
    full = client.get(f"/api/v1/{collection}?page_size=50")
    selected = client.get(f"/api/v1/{collection}?page_size=50&fields={field}")
    assert selected.status_code == 200
    assert selected.mimetype == FIELDS_MEDIA_TYPE
    assert [set(entry) for entry in selected.json] == [{"slug", "href", field}] * len(full.json)
    assert [entry[field] for entry in selected.json] == [entry[field] for entry in full.json]
    assert len(selected.data) * 3 < len(full.data)
    # Paging is as without `fields`.
    assert selected.headers["X-Pagination"] == full.headers["X-Pagination"]
    assert selected.headers["ETag"] != full.headers["ETag"]
    for entry in selected.json:
        conforms(client, entry, SCHEMAS[collection])


@pytest.mark.parametrize("collection", ITEMS)
def test_an_item_answers_only_the_fields_asked_for(client, collection):
    slug, field = ITEMS[collection]
    url = f"/api/v1/{collection}/{slug}"
    full = client.get(url)
    selected = client.get(f"{url}?fields={field},version")
    assert selected.status_code == 200 and selected.mimetype == FIELDS_MEDIA_TYPE
    assert selected.json == {name: full.json[name] for name in ("slug", "href", field, "version")}
    assert list(selected.json) == [name for name in full.json if name in selected.json]
    conforms(client, selected.json, SCHEMAS[collection])
    assert client.get(url).mimetype == "application/json"


def test_a_list_screen_of_faqs_is_a_tenth_of_the_full_page(client):
    full = client.get("/api/v1/faqs")
    compact = client.get("/api/v1/faqs?fields=question,topics")
    assert len(compact.data) * 10 < len(full.data)
    assert set(compact.json[0]) == {"slug", "href", "question", "topics"}


@pytest.mark.parametrize(
    "url, message",
    [
        ("/api/v1/therapies?fields=name,colour", "Unknown field: colour."),
        # A source has a title, not a name.
        ("/api/v1/sources/immunotherapy-use?fields=colour,title,name", "Unknown fields: colour, name."),
    ],
)
def test_an_unknown_field_is_a_422_naming_it(client, url, message):
    response = client.get(url)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    (said,) = response.json["errors"]["query"]["fields"]
    assert said.startswith(f"{message} Fields: slug, status,")


def test_the_same_selection_in_any_order_or_repeated_is_the_same_representation(client):
    one = client.get("/api/v1/therapies/cytokines?fields=summary,name")
    for other in ("fields=name,summary", "fields=name&fields=summary", "fields=name,summary,name,slug"):
        again = client.get(f"/api/v1/therapies/cytokines?{other}")
        assert again.data == one.data and again.headers["ETag"] == one.headers["ETag"]


@pytest.mark.parametrize(
    "url", ["/api/v1/faqs?fields=question", "/api/v1/faqs/what-is-immunotherapy?fields=question"]
)
def test_a_selection_revalidates_with_its_own_etag(client, url):
    selected = client.get(url)
    whole = client.get(url.split("?")[0])
    assert selected.headers["ETag"] != whole.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": selected.headers["ETag"]}).status_code == 304
    # The whole representation's tag is not the selection's, nor the reverse.
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 200
    stale = client.get(url.split("?")[0], headers={"If-None-Match": selected.headers["ETag"]})
    assert stale.status_code == 200 and stale.mimetype == "application/json"


def test_a_cached_selection_and_the_whole_never_mix(app, client):
    cache = app.extensions["response_cache"]
    url = "/api/v1/therapies/cytokines"
    for _ in range(2):
        assert client.get(url).mimetype == "application/json"
        assert set(client.get(f"{url}?fields=name").json) == {"slug", "href", "name"}
        assert len(client.get("/api/v1/therapies").json[0]) > 10
        assert set(client.get("/api/v1/therapies?fields=name").json[0]) == {"slug", "href", "name"}
    assert len(cache) == 4


def test_a_preview_takes_fields_and_its_etag_is_good_for_if_match(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    changed = client.patch(
        url,
        json={"summary": "A new summary."},
        headers=editor | {"If-Match": preview_etag(client, url, editor)},
    )
    assert changed.status_code == 200
    preview = client.get(f"{url}?preview=true&fields=summary,status,version", headers=editor)
    assert preview.json == {
        "slug": "cytokines",
        "href": url,
        "status": "draft",
        "version": changed.json["version"],
        "summary": "A new summary.",
    }
    assert preview.headers["ETag"] != changed.headers["ETag"]
    revalidated = client.get(
        f"{url}?preview=true&fields=summary,status,version",
        headers=editor | {"If-None-Match": preview.headers["ETag"]},
    )
    assert revalidated.status_code == 304
    # A selection shows the version whole: its ETag is as good as the whole one's for a change.
    again = client.patch(
        url, json={"summary": "Newer."}, headers=editor | {"If-Match": preview.headers["ETag"]}
    )
    assert again.status_code == 200, again.json
    stale = client.patch(
        url, json={"summary": "Lost."}, headers=editor | {"If-Match": preview.headers["ETag"]}
    )
    assert stale.status_code == 412
    approve(client, url, editor, reviewer, again.headers["ETag"])
    public = client.get(f"{url}?fields=summary")
    assert public.json["summary"] == "Newer."


@pytest.mark.parametrize("if_match", ['""', '"", W/"x"', '"-f12345678"', '"nothing"'])
def test_an_if_match_naming_no_version_is_a_412(client, editor, if_match):
    response = client.delete("/api/v1/indications/allergies", headers=editor | {"If-Match": if_match})
    assert response.status_code == 412


def test_json_ld_refuses_fields(client):
    url = "/api/v1/therapies/cytokines?fields=name"
    response = client.get(url, headers={"Accept": "application/ld+json"})
    assert response.status_code == 422
    assert list(response.json["errors"]["query"]) == ["fields"]
    assert "JSON-LD" in response.json["detail"]
    assert client.get(url, headers={"Accept": "application/json"}).status_code == 200


def test_lists_stay_whole_without_fields(client):
    therapy = client.get("/api/v1/therapies").json[0]
    assert {"summary", "body", "sources", "mechanisms", "review"} <= set(therapy)


def test_the_spec_documents_the_selected_representation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    listed = spec["paths"]["/api/v1/faqs"]["get"]["responses"]["200"]["content"]
    assert listed[FIELDS_MEDIA_TYPE]["schema"]["items"] == {"$ref": "#/components/schemas/FaqFields"}
    item = spec["paths"]["/api/v1/faqs/{slug}"]["get"]["responses"]["200"]["content"]
    assert item[FIELDS_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/FaqFields"}
    assert spec["components"]["schemas"]["FaqFields"]["required"] == ["href", "slug"]
