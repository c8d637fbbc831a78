"""Full-text search: ranked hits across types, punctuation in terms, phrases, hostile input."""

import pytest
import sqlalchemy as sa

from service.domain.db import db
from service.domain.editing import update_item
from service.domain.models import Therapy


def search(client, query, **params):
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.json
    return response.json


def test_hits_are_ranked_and_carry_what_a_result_list_shows(client):
    hits = search(client, "pembrolizumab")
    assert hits
    for hit in hits:
        assert set(hit) == {"type", "slug", "name", "snippet", "highlights", "href", "rank"}
        assert client.get(hit["href"]).status_code == 200
    assert [hit["rank"] for hit in hits] == sorted((hit["rank"] for hit in hits), reverse=True)
    assert any("pembrolizumab" in hit["snippet"].lower() for hit in hits)
    assert {"therapy", "faq"} <= {hit["type"] for hit in hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PD-1", "checkpoint-blockade"),
        ("CTLA-4", "checkpoint-blockade"),
        ("HER2-positive", "her2-positive-breast-cancer"),
        ("trastuzumab", "monoclonal-antibodies"),
        ('"blood cancers"', "lymphoma"),
        ("rheumatoid arthritis", "rheumatoid-arthritis"),
    ],
)
def test_drug_names_targets_with_punctuation_and_phrases_are_found(client, query, expected):
    assert expected in [hit["slug"] for hit in search(client, query, page_size=100)]


def test_a_phrase_must_appear_in_order(client):
    in_order = {hit["slug"] for hit in search(client, '"blood cancers"', page_size=100)}
    reversed_words = {hit["slug"] for hit in search(client, '"cancers blood"', page_size=100)}
    assert in_order and not reversed_words


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "((",
        "PD-1 OR",
        "NEAR(a b)",
        "* AND -",
        "a:b",
        "'; DROP TABLE therapies; --",
        "\\",
        "^x",
        "{x}",
    ],
)
def test_query_syntax_in_user_input_is_only_data(client, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200
    assert isinstance(response.json, list)
    assert client.get("/api/v1/therapies").status_code == 200


def test_search_narrows_by_type(client):
    hits = search(client, "cancer", type="indication", page_size=100)
    assert hits and {hit["type"] for hit in hits} == {"indication"}


def test_q_is_required_and_type_checked(client):
    assert client.get("/api/v1/search").status_code == 422
    assert client.get("/api/v1/search?q=x&type=source").status_code == 422


def test_q_on_a_collection_filters_and_ranks(client):
    response = client.get("/api/v1/therapies?q=trastuzumab")
    assert [item["slug"] for item in response.json] == ["monoclonal-antibodies"]
    assert [faq["slug"] for faq in client.get("/api/v1/faqs?q=%22CAR%20T-cell%22").json]


def test_the_index_follows_every_write(app, client):
    assert search(client, "zanubrutinib") == []
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
        update_item(therapy, {"summary": "Now also mentions zanubrutinib."}, author="editor")
    assert [hit["slug"] for hit in search(client, "zanubrutinib")] == ["cytokines"]
    with app.app_context():
        therapy = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
        update_item(therapy, {"status": "draft"}, author="editor")
    assert search(client, "zanubrutinib") == []
