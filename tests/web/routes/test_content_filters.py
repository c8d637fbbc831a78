"""Filters and sort on every collection, as API.md lists them."""

import pytest

from service.domain.text import sort_key


def slugs(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.json
    return [item["slug"] for item in response.json]


def test_therapies_by_indication_and_mechanism(client):
    assert slugs(client, "/api/v1/therapies?indication=melanoma") == ["checkpoint-inhibitors"]
    assert "car-t-cell-therapy" in slugs(client, "/api/v1/therapies?indication=leukemia")
    assert slugs(client, "/api/v1/therapies?mechanism=checkpoint-blockade") == ["checkpoint-inhibitors"]
    both = "/api/v1/therapies?mechanism=checkpoint-blockade&indication=leukemia"
    assert slugs(client, both) == []


def test_mechanisms_and_indications_by_therapy(client):
    assert slugs(client, "/api/v1/mechanisms?therapy=checkpoint-inhibitors") == ["checkpoint-blockade"]
    indications = slugs(client, "/api/v1/indications?therapy=checkpoint-inhibitors")
    assert {"melanoma", "lung-cancer", "bladder-cancer"} <= set(indications)
    assert "leukemia" not in indications


def test_indications_by_area_and_status(client):
    autoimmune = client.get("/api/v1/indications?area=autoimmune&page_size=100").json
    assert autoimmune and all(item["area"] == "autoimmune" for item in autoimmune)
    used = client.get("/api/v1/indications?immunotherapy_status=used").json
    assert "leukemia" in [item["slug"] for item in used]
    prevention = client.get("/api/v1/indications?immunotherapy_status=prevention").json
    assert [item["slug"] for item in prevention] == ["cervical-cancer"]
    investigational = client.get("/api/v1/indications?immunotherapy_status=investigational").json
    assert "multiple-sclerosis" in [item["slug"] for item in investigational]
    assert all(item["immunotherapy_status"] == "investigational" for item in investigational)


def test_faqs_by_topic_and_therapy(client):
    by_topic = client.get("/api/v1/faqs?topic=side-effects").json
    assert by_topic and all("side-effects" in faq["topics"] for faq in by_topic)
    by_therapy = client.get("/api/v1/faqs?therapy=car-t-cell-therapy").json
    assert by_therapy
    assert all("car-t-cell-therapy" in [t["slug"] for t in faq["therapies"]] for faq in by_therapy)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/therapies?indication=no-such-disease",
        "/api/v1/therapies?mechanism=nothing",
        "/api/v1/indications?area=astrology",
        "/api/v1/faqs?topic=unknown-topic",
        "/api/v1/mechanisms?therapy=unknown",
    ],
)
def test_an_unknown_filter_value_is_an_empty_list(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.json == []


def test_sort_by_a_field_and_descending(client):
    names = [item["name"] for item in client.get("/api/v1/therapies?sort=name").json]
    assert names == sorted(names, key=sort_key)
    assert [item["name"] for item in client.get("/api/v1/therapies?sort=-name").json] == names[::-1]
    positions = [faq["position"] for faq in client.get("/api/v1/faqs?sort=-position&page_size=100").json]
    assert positions == sorted(positions, reverse=True)


@pytest.mark.parametrize("query", ["sort=colour", "sort=-", "sort=summary"])
def test_sort_on_an_unknown_field_is_a_422_naming_sort(client, query):
    response = client.get(f"/api/v1/therapies?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "sort" in response.json["errors"]["query"]


def test_names_questions_and_titles_sort_whatever_their_case(client):
    therapies = [item["name"] for item in client.get("/api/v1/therapies?sort=name").json]
    assert therapies.index("Cancer vaccines") < therapies.index(
        "CAR T-cell therapy and adoptive cell transfer"
    )
    for url, field in (("/api/v1/faqs?sort=question", "question"), ("/api/v1/sources?sort=title", "title")):
        titles = [item[field] for item in client.get(f"{url}&page_size=100").json]
        assert titles == sorted(titles, key=sort_key)
    # So are the links an item shows.
    for therapy in client.get("/api/v1/therapies").json:
        for field in ("mechanisms", "indications"):
            names = [link["name"] for link in therapy[field]]
            assert names == sorted(names, key=sort_key)


# Names whose order a language's collation or a byte order of their case would change: spaces,
# hyphens and punctuation, accents, other scripts, digits, and two that differ by case alone.
NAMES = (
    "zeta",
    "Alpha beta",
    "alphabet",
    "Alpha-gamma",
    "ALPHA",
    "(Bracketed)",
    "Éclair",
    "eclair",
    "Ωmega",
    "免疫療法",
    "10 things",
    "9 things",
    "Tie",
    "tie",
    "Straße",
    "Strasse plain",
)


def test_a_name_sort_is_one_order_on_every_database_ties_broken_by_age(client, editor):
    for number, name in enumerate(NAMES):
        created = client.post(
            "/api/v1/mechanisms",
            json={"name": name, "summary": "For sorting.", "slug": f"sorting-{number}"},
            headers=editor,
        )
        assert created.status_code == 201, created.json
    made = list(enumerate(NAMES))  # in the order made: the order of their ids
    expected = [name for _number, name in sorted(made, key=lambda entry: (sort_key(entry[1]), entry[0]))]
    url = "/api/v1/mechanisms?status=draft&page_size=100&sort="
    assert [item["name"] for item in client.get(url + "name", headers=editor).json] == expected
    descending = sorted(sorted(made), key=lambda entry: sort_key(entry[1]), reverse=True)
    assert [item["name"] for item in client.get(url + "-name", headers=editor).json] == [
        name for _number, name in descending
    ]
    # Paged, it is the same order.
    pages = [client.get(f"{url}name&page_size=5&page={page}", headers=editor).json for page in (1, 2, 3, 4)]
    assert [item["name"] for page in pages for item in page] == expected
