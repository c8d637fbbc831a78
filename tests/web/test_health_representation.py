"""The health representation: schema.org JSON-LD of an item for `Accept: application/ld+json`, with
validators of its own, and today's JSON for every other Accept."""

import json

import jsonschema
import pytest

from service.domain.content import THERAPY
from service.domain.editing import create_item
from tests.workflow import approve

LD = {"Accept": "application/ld+json"}
ITEMS = {
    "/api/v1/therapies/checkpoint-inhibitors": "MedicalTherapy",
    "/api/v1/mechanisms/checkpoint-blockade": "MedicalEntity",
    "/api/v1/indications/melanoma": "MedicalCondition",
    "/api/v1/faqs/how-does-immunotherapy-work": "Question",
}


@pytest.mark.parametrize(("url", "entity_type"), ITEMS.items())
def test_each_kind_is_a_medical_web_page_about_the_item(client, url, entity_type):
    item = client.get(url).json
    response = client.get(url, headers=LD)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    page = response.json
    assert page["@context"] == "https://schema.org"
    assert page["@type"] == "MedicalWebPage"
    assert page["@id"] == page["url"] == item["href"] == url
    assert page["name"] == item.get("name", item.get("question"))
    assert page["inLanguage"] == "en"
    assert page["dateModified"] == item["updated_at"]
    assert page["datePublished"] == item["published_at"]
    entity = page["mainEntity"]
    assert entity["@type"] == entity_type
    assert entity["url"] == url and entity["name"] == page["name"]
    assert page["about"] == {"@id": entity["@id"]}
    if "summary" in item:
        assert page["description"] == entity["description"] == item["summary"]


@pytest.mark.parametrize("url", ITEMS)
def test_the_json_ld_is_what_the_spec_says(client, url):
    spec = client.get("/api/v1/openapi.json").json
    assert (
        "application/ld+json"
        in spec["paths"][url.rsplit("/", 1)[0] + "/{slug}"]["get"]["responses"]["200"]["content"]
    )
    page_schema = {"$ref": "#/components/schemas/MedicalWebPage", "components": spec["components"]}
    jsonschema.validate(client.get(url, headers=LD).json, page_schema)


@pytest.mark.parametrize("url", ITEMS)
def test_citations_are_one_creative_work_per_source_with_its_quotes(client, url):
    citations = client.get(url).json["sources"]
    works = client.get(url, headers=LD).json["citation"]
    assert [work["@id"] for work in works] == list(
        dict.fromkeys(f"/api/v1/sources/{citation['source']}" for citation in citations)
    )
    for work in works:
        source = client.get(work["@id"]).json
        assert work["@type"] == "CreativeWork"
        assert work["name"] == source["title"]
        # No source of the seed says where it was published: its URL in the API stands in.
        assert work["url"] == source["href"]
        assert work["text"] == [c["quote"] for c in citations if c["source"] == source["slug"]]


def test_a_therapy_names_its_drugs_and_links_what_it_relates_to(client):
    url = "/api/v1/therapies/checkpoint-inhibitors"
    therapy = client.get(url).json
    page = client.get(url, headers=LD).json
    assert page["mainEntity"]["drug"] == [{"@type": "Drug", "name": name} for name in therapy["examples"]]
    # The sources name no side effects of this kind of therapy (null): none are claimed.
    assert therapy["side_effects"] is None and "adverseOutcome" not in page["mainEntity"]
    links = [link["href"] for name in ("mechanisms", "indications", "faqs") for link in therapy[name]]
    assert page["relatedLink"] == links


def test_a_condition_lists_its_therapies_only_as_its_sources_say(client):
    def entity(slug):
        return client.get(f"/api/v1/indications/{slug}", headers=LD).json["mainEntity"]

    melanoma = client.get("/api/v1/indications/melanoma").json
    assert entity("melanoma")["possibleTreatment"] == [
        {
            "@type": "MedicalTherapy",
            "@id": f"{link['href']}#therapy",
            "name": link["name"],
            "url": link["href"],
        }
        for link in melanoma["therapies"]
    ]
    # HPV vaccines prevent cervical cancer; they are not said to treat it.
    cervical = entity("cervical-cancer")
    assert [therapy["name"] for therapy in cervical["primaryPrevention"]] == ["Cancer vaccines"]
    assert "possibleTreatment" not in cervical
    # Allergen immunotherapy is linked to allergies, but still investigational: no treatment is claimed.
    assert client.get("/api/v1/indications/allergies").json["therapies"]
    allergies = entity("allergies")
    assert "possibleTreatment" not in allergies and "primaryPrevention" not in allergies


def test_a_faq_is_a_question_with_its_answer(client):
    url = "/api/v1/faqs/how-does-immunotherapy-work"
    faq = client.get(url).json
    question = client.get(url, headers=LD).json["mainEntity"]
    assert question["name"] == faq["question"]
    assert question["acceptedAnswer"] == {
        "@type": "Answer",
        "text": faq["answer"]["html"],
        "encodingFormat": "text/html",
    }
    assert [therapy["url"] for therapy in question["about"]] == [link["href"] for link in faq["therapies"]]


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "application/json",
        "*/*",
        "application/*",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        "application/ld+json;q=0.5, application/json",
        "application/ld+json;q=0",
        "text/plain",
    ],
)
def test_any_other_accept_keeps_the_json_as_it_was(uncached_app, accept):
    client = uncached_app.test_client()
    url = "/api/v1/therapies/checkpoint-inhibitors"
    plain = client.get(url)
    response = client.get(url, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == plain.data
    assert response.headers["ETag"] == plain.headers["ETag"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/json;q=0.5, application/ld+json",
        'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
        "application/json;q=0, */*",
    ],
)
def test_json_ld_is_chosen_by_the_q_values(client, accept):
    response = client.get("/api/v1/faqs/what-is-immunotherapy", headers={"Accept": accept})
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.json["@type"] == "MedicalWebPage"


@pytest.mark.parametrize("url", ITEMS)
def test_item_reads_vary_on_accept_and_keep_authorization(client, editor, url):
    for headers in ({}, LD, editor, editor | LD):
        response = client.get(url, headers=headers)
        again = client.get(url, headers=headers | {"If-None-Match": response.headers["ETag"]})
        for answer in (response, again):
            vary = {value.strip() for value in answer.headers["Vary"].split(",")}
            assert {"Accept", "Authorization"} <= vary, (headers, answer.status_code)


def test_the_two_representations_have_their_own_etags_and_304s_never_cross(uncached_app):
    client = uncached_app.test_client()
    url = "/api/v1/indications/melanoma"
    json_etag = client.get(url).headers["ETag"]
    ld_etag = client.get(url, headers=LD).headers["ETag"]
    assert json_etag != ld_etag
    assert not json_etag.startswith("W/") and not ld_etag.startswith("W/")
    assert client.get(url, headers={"If-None-Match": json_etag}).status_code == 304
    assert client.get(url, headers=LD | {"If-None-Match": ld_etag}).status_code == 304
    ld_for_json = client.get(url, headers=LD | {"If-None-Match": json_etag})
    assert ld_for_json.status_code == 200 and ld_for_json.headers["Content-Type"] == "application/ld+json"
    json_for_ld = client.get(url, headers={"If-None-Match": ld_etag})
    assert json_for_ld.status_code == 200 and json_for_ld.headers["Content-Type"] == "application/json"


def test_a_renamed_treatment_shows_in_the_condition_at_once(client, editor, reviewer):
    url = "/api/v1/indications/melanoma"
    before = client.get(url, headers=LD)
    therapy = "/api/v1/therapies/checkpoint-inhibitors"
    etag = client.get(therapy, headers=editor).headers["ETag"]
    renamed = client.patch(therapy, json={"name": "Checkpoint blockers"}, headers=editor | {"If-Match": etag})
    assert renamed.status_code == 200
    # Waiting for review, the new name is not public: the condition is unchanged.
    assert client.get(url, headers=LD | {"If-None-Match": before.headers["ETag"]}).status_code == 304
    approve(client, therapy, editor, reviewer, renamed.headers["ETag"])
    after = client.get(url, headers=LD | {"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.json["mainEntity"]["possibleTreatment"][0]["name"] == "Checkpoint blockers"


def test_head_answers_the_json_ld_headers_without_a_body(client):
    url = "/api/v1/mechanisms/checkpoint-blockade"
    get = client.get(url, headers=LD)
    head = client.head(url, headers=LD)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == "application/ld+json"
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_drafts_and_archived_items_stay_hidden_and_errors_stay_problem_json(app, client, editor):
    with app.app_context():
        create_item(THERAPY, {"name": "Draft therapy", "summary": "Not public."}, author="editor")
    url = "/api/v1/therapies/checkpoint-inhibitors"
    etag = client.get(url, headers=editor).headers["ETag"]
    assert client.delete(url, headers=editor | {"If-Match": etag}).status_code == 200
    for hidden in (url, "/api/v1/therapies/draft-therapy", "/api/v1/therapies/no-such-therapy"):
        for headers in ({}, LD):
            response = client.get(hidden, headers=headers)
            assert response.status_code == 404
            assert response.headers["Content-Type"] == "application/problem+json"
    # An editor sees the draft, which was never published.
    draft = client.get("/api/v1/therapies/draft-therapy", headers=editor | LD).json
    assert draft["name"] == "Draft therapy" and "datePublished" not in draft


def test_an_item_revalidates_when_a_source_it_cites_is_retitled(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    before = client.get(url, headers=LD)
    source_slug = client.get(url).json["sources"][0]["source"]
    source_url = f"/api/v1/sources/{source_slug}"
    etag = client.get(source_url).headers["ETag"]
    retitled = client.patch(source_url, json={"title": "A new title"}, headers=editor | {"If-Match": etag})
    assert retitled.status_code == 200
    # Waiting for review, the new title is not public: the item is unchanged.
    assert client.get(url, headers=LD | {"If-None-Match": before.headers["ETag"]}).status_code == 304
    approve(client, source_url, editor, reviewer, retitled.headers["ETag"])
    after = client.get(url, headers=LD | {"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "A new title" in [work["name"] for work in after.json["citation"]]


def test_a_source_answers_json_whatever_is_asked(client):
    response = client.get("/api/v1/sources/immunotherapy-use", headers=LD)
    assert response.status_code == 200 and response.content_type == "application/json"


def test_no_text_of_a_page_can_close_the_script_element_it_is_embedded_in(client, editor, reviewer):
    hostile = "A report that says </script><script>alert(1)</script> & more, at length."
    created = client.post(
        "/api/v1/sources", json={"title": "A hostile report", "text": hostile}, headers=editor
    )
    assert created.status_code == 201, created.json
    approve(client, created.headers["Location"], editor, reviewer, created.headers["ETag"])
    url = "/api/v1/faqs/what-is-immunotherapy"
    sources = [*client.get(url).json["sources"], {"source": "a-hostile-report", "quote": hostile}]
    etag = client.get(url).headers["ETag"]
    changed = client.patch(url, json={"sources": sources}, headers=editor | {"If-Match": etag})
    assert changed.status_code == 200
    approve(client, url, editor, reviewer, changed.headers["ETag"])
    body = client.get(url, headers=LD).get_data(as_text=True)
    assert "</script>" not in body and "<script>" not in body and "\\u003c/script\\u003e" in body
    assert hostile in [text for work in json.loads(body)["citation"] for text in work["text"]]


def test_the_json_ld_etag_serves_as_if_match(client, editor):
    url = "/api/v1/therapies/cytokines"
    etag = client.get(url, headers=LD).headers["ETag"]
    response = client.patch(url, json={"summary": "Changed."}, headers=editor | {"If-Match": etag})
    assert response.status_code == 200
