"""Reading: paginated lists, items by slug in the documented shape, and problem+json errors."""

import json

import pytest
import sqlalchemy as sa

from service.domain.content import FAQ
from service.domain.db import db
from service.domain.editing import create_item, update_item
from service.domain.models import Indication

COLLECTIONS = ("therapies", "mechanisms", "indications", "faqs", "sources")
COMMON_FIELDS = {
    *("slug", "status", "version", "created_at", "updated_at", "published_at", "href", "sources"),
    *("unsupported_claims", "published_version", "review"),
}
NAMED_FIELDS = {"name", "alternate_names", "summary"}
FIELDS = {
    "therapies": COMMON_FIELDS
    | NAMED_FIELDS
    | {"body", "examples", "side_effects", "mechanisms", "indications", "faqs"},
    "mechanisms": COMMON_FIELDS | NAMED_FIELDS | {"body", "targets", "therapies"},
    "indications": COMMON_FIELDS
    | NAMED_FIELDS
    | {"area", "immunotherapy_status", "therapies", "related_indications", "faqs"},
    "faqs": COMMON_FIELDS | {"question", "answer", "topics", "therapies", "indications", "position"},
    "sources": (COMMON_FIELDS - {"sources", "unsupported_claims"})
    | {"title", "text", "checksum", "cited_by", "url", "publisher", "author", "published_on", "retrieved_on"},
}


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_each_collection_lists_and_serves_items_by_slug(client, collection):
    response = client.get(f"/api/v1/{collection}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    items = response.json
    assert items and isinstance(items, list)
    for item in items:
        assert set(item) == FIELDS[collection]
        assert set(item["review"]) == {"last_reviewed_on", "reviewed_by", "next_review_due"}
        # The public reads published versions only.
        assert (item["status"], item["published_version"]) == ("published", item["version"])
    first = client.get(items[0]["href"])
    assert first.status_code == 200
    assert first.json == items[0]


def test_items_have_the_documented_representation(client):
    therapy = client.get("/api/v1/therapies/checkpoint-inhibitors").json
    assert therapy["status"] == "published" and therapy["version"] == 1
    assert therapy["created_at"].endswith("+00:00")
    assert therapy["href"] == "/api/v1/therapies/checkpoint-inhibitors"
    assert set(therapy["body"]) == {"markdown", "html"}
    assert therapy["body"]["html"].startswith("<")
    assert {"pembrolizumab", "nivolumab"} <= set(therapy["examples"])
    for link in therapy["mechanisms"] + therapy["indications"]:
        assert set(link) == {"slug", "name", "href"}
        assert client.get(link["href"]).status_code == 200
    assert "melanoma" in [link["slug"] for link in therapy["indications"]]
    faq = client.get("/api/v1/faqs?page_size=1").json[0]
    assert faq["position"] == 1 and set(faq["answer"]) == {"markdown", "html"}


def test_lists_are_paginated_with_x_pagination(client):
    response = client.get("/api/v1/faqs?page=2&page_size=3")
    assert len(response.json) == 3
    pagination = json.loads(response.headers["X-Pagination"])
    total = len(client.get("/api/v1/faqs?page_size=100").json)
    assert pagination == {
        "total": total,
        "total_pages": -(-total // 3),
        "first_page": 1,
        "last_page": -(-total // 3),
        "page": 2,
        "previous_page": 1,
        "next_page": 3,
    }
    assert [faq["position"] for faq in response.json] == [4, 5, 6]


def test_default_page_size_is_20(client):
    assert json.loads(client.get("/api/v1/faqs").headers["X-Pagination"])["page"] == 1
    assert len(client.get("/api/v1/faqs").json) == min(20, len(client.get("/api/v1/faqs?page_size=100").json))


def test_a_page_past_the_end_is_empty(client):
    response = client.get("/api/v1/therapies?page=50")
    assert response.status_code == 200
    assert response.json == []


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=1000", "page=x"])
def test_malformed_paging_is_a_422_problem_naming_the_parameter(client, query):
    response = client.get(f"/api/v1/therapies?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.json
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert query.split("=")[0] in problem["errors"]["query"]


def test_an_unknown_slug_is_a_404_problem(client):
    response = client.get("/api/v1/therapies/no-such-therapy")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert "no-such-therapy" in response.json["detail"]


def test_an_unknown_url_and_a_wrong_method_are_problems(client):
    assert client.get("/api/v1/nothing-here").content_type == "application/problem+json"
    response = client.delete("/api/v1/sources")
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_drafts_are_invisible_to_readers(app, client):
    with app.app_context():
        create_item(FAQ, {"question": "Is this a draft?", "answer": "Yes, it is."}, author="test")
    assert client.get("/api/v1/faqs/is-this-a-draft").status_code == 404
    assert "is-this-a-draft" not in [faq["slug"] for faq in client.get("/api/v1/faqs?page_size=100").json]


def test_links_to_unpublished_items_are_not_shown(app, client):
    with app.app_context():
        melanoma = db.session.scalar(sa.select(Indication).filter_by(slug="melanoma"))
        update_item(melanoma, {"status": "draft"}, author="editor")
    therapy = client.get("/api/v1/therapies/checkpoint-inhibitors").json
    assert "melanoma" not in [link["slug"] for link in therapy["indications"]]
    assert therapy["indications"]


def test_index_names_the_collections_and_docs(client):
    index = client.get("/api/v1").json
    assert index["version"] == "1"
    assert set(index["collections"]) == set(COLLECTIONS)
    assert index["docs"]["openapi"] == "/api/v1/openapi.json"


def test_index_carries_a_short_medical_disclaimer_for_apps_to_show(client):
    disclaimer = client.get("/api/v1").json["disclaimer"]
    assert "not medical advice" in disclaimer and "doctor" in disclaimer
    # Plain and short: two sentences at most.
    assert disclaimer.count(". ") <= 1 and len(disclaimer) < 200


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_not_ready_when_the_schema_is_behind(empty_app):
    response = empty_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"]
