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


# --- Several values -------------------------------------------------------------------------------

ANY_OF = [
    ("/api/v1/therapies", "indication", "melanoma", "leukemia"),
    ("/api/v1/therapies", "mechanism", "checkpoint-blockade", "cytokine-stimulation"),
    ("/api/v1/mechanisms", "therapy", "checkpoint-inhibitors", "car-t-cell-therapy"),
    ("/api/v1/indications", "therapy", "checkpoint-inhibitors", "car-t-cell-therapy"),
    ("/api/v1/indications", "area", "cancer", "allergy"),
    ("/api/v1/indications", "immunotherapy_status", "prevention", "investigational"),
    ("/api/v1/faqs", "topic", "side-effects", "basics"),
    ("/api/v1/faqs", "therapy", "car-t-cell-therapy", "cancer-vaccines"),
    ("/api/v1/faqs", "indication", "melanoma", "allergies"),
]


@pytest.mark.parametrize("collection, name, first, second", ANY_OF)
def test_a_filter_takes_several_values_comma_separated_meaning_any_of_them(
    client, collection, name, first, second
):
    one = slugs(client, f"{collection}?{name}={first}&page_size=100")
    other = slugs(client, f"{collection}?{name}={second}&page_size=100")
    both = slugs(client, f"{collection}?{name}={first},{second}&page_size=100")
    assert one and other and set(one) != set(other), "pick two values that find different items"
    assert set(both) == set(one) | set(other)
    # In the list's order, each item once.
    assert both == [slug for slug in slugs(client, f"{collection}?page_size=100") if slug in both]
    # Repeating the parameter means the same.
    assert slugs(client, f"{collection}?{name}={second}&{name}={first}&page_size=100") == both
    # A value that finds nothing adds nothing.
    assert slugs(client, f"{collection}?{name}={first},no-such-value&page_size=100") == one


@pytest.mark.parametrize("query", ["indication=melanoma,", "indication=,melanoma", "indication="])
def test_an_empty_value_in_a_list_is_a_422_naming_the_filter(client, query):
    response = client.get(f"/api/v1/therapies?{query}")
    assert response.status_code == 422
    assert list(response.json["errors"]["query"]) == ["indication"]


def test_editors_list_several_statuses_at_once(client, editor):
    draft = client.post("/api/v1/faqs", json={"question": "Draft?", "answer": "Yes."}, headers=editor)
    assert draft.status_code == 201
    drafts = slugs_with(client, "/api/v1/faqs?status=draft", editor)
    published = slugs_with(client, "/api/v1/faqs?status=published&page_size=100", editor)
    both = slugs_with(client, "/api/v1/faqs?status=draft,published&page_size=100", editor)
    assert draft.json["slug"] in drafts and set(both) == set(drafts) | set(published)
    assert client.get("/api/v1/faqs?status=draft,published").status_code == 401
    assert client.get("/api/v1/faqs?status=draft,colour", headers=editor).status_code == 422
    # Searched too: the draft's own words find it among the published.
    searched = slugs_with(client, "/api/v1/faqs?status=draft,published&q=draft&page_size=100", editor)
    assert draft.json["slug"] in searched
    assert slugs_with(client, "/api/v1/faqs?status=published&q=draft&page_size=100", editor) == [
        slug for slug in searched if slug != draft.json["slug"]
    ]


def slugs_with(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    return [item["slug"] for item in response.json]


# --- Several items by slug ------------------------------------------------------------------------

BY_SLUG = {
    "therapies": ["cytokines", "checkpoint-inhibitors", "cancer-vaccines"],
    "mechanisms": ["checkpoint-blockade", "cytokine-stimulation"],
    "indications": ["melanoma", "allergies", "leukemia"],
    "faqs": ["what-is-immunotherapy", "side-effects-of-immunotherapy"],
    "sources": ["immunotherapy-use", "how-immunotherapy-works"],
}


@pytest.mark.parametrize("collection", BY_SLUG)
def test_several_items_by_slug_in_one_request_in_the_lists_order(client, collection):
    wanted = BY_SLUG[collection]
    every = slugs(client, f"/api/v1/{collection}?page_size=100")
    assert set(wanted) <= set(every), "seeded slugs"
    found = client.get(f"/api/v1/{collection}?slug={','.join(wanted)}")
    assert found.status_code == 200
    assert [item["slug"] for item in found.json] == [slug for slug in every if slug in wanted]
    # Whole items, as the item reads show them.
    first = found.json[0]
    assert first == client.get(first["href"]).json
    # Reversed, in the reverse order of the sort asked for.
    backwards = slugs(client, f"/api/v1/{collection}?slug={','.join(wanted)}&sort=-slug")
    assert backwards == sorted(wanted, reverse=True)
    # With `fields`, a list screen's worth of each.
    href = f"/api/v1/{collection}/{wanted[0]}"
    compact = client.get(f"/api/v1/{collection}?slug={wanted[0]}&fields=version").json
    assert compact == [{"slug": wanted[0], "href": href, "version": client.get(href).json["version"]}]


def test_an_unknown_slug_is_left_out_and_more_slugs_than_a_page_is_a_422(client):
    assert slugs(client, "/api/v1/therapies?slug=cytokines,no-such-therapy") == ["cytokines"]
    many = ",".join(f"slug-{number}" for number in range(21))
    response = client.get(f"/api/v1/therapies?slug={many}")
    assert response.status_code == 422
    assert "page_size (20)" in response.json["errors"]["query"]["slug"][0]
    assert client.get(f"/api/v1/therapies?slug={many}&page_size=21").status_code == 200
    assert client.get("/api/v1/therapies?slug=Not_A_Slug").status_code == 422


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
    paged = "/api/v1/mechanisms?status=draft&sort=name&page_size=5&page="
    pages = [client.get(f"{paged}{page}", headers=editor).json for page in (1, 2, 3, 4)]
    assert [item["name"] for page in pages for item in page] == expected
