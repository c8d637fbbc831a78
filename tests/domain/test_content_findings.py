"""The served content, read as a careful clinical reader would against its sources: each finding
of that read has a test here that would catch it again."""

import re
import statistics

import pytest
import textstat

from service.domain.lint import MAX_SIMILARITY, plain_text, similarity

COLLECTIONS = ("therapies", "mechanisms", "indications", "faqs")


def _all(client, collection):
    return client.get(f"/api/v1/{collection}?page_size=100").json


def _item(client, collection, slug):
    return client.get(f"/api/v1/{collection}/{slug}").json


def _prose(item) -> str:
    texts = [item.get("summary") or ""]
    texts += [plain_text(item[field]["markdown"]) for field in ("body", "answer") if field in item]
    return " ".join(texts)


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", text) if sentence]


def _paragraphs(markdown: str) -> list[str]:
    """Blocks between blank lines, and each item of a list on its own."""
    blocks = [block for block in re.split(r"\n\s*\n", markdown) if block.strip()]
    return [part for block in blocks for part in re.split(r"\n(?=- )", block)]


def test_hpv_vaccines_are_prevention_never_priming_against_tumours(client):
    mentioned = 0
    for collection in COLLECTIONS:
        for item in _all(client, collection):
            units = [item.get("summary") or ""]
            units += [
                p
                for field in ("body", "answer")
                if field in item
                for p in _paragraphs(item[field]["markdown"])
            ]
            for unit in units:
                if "HPV" not in unit:
                    continue
                mentioned += 1
                assert re.search(r"prevent|risk|chance|less likely", unit.lower()), (item["slug"], unit)
                for sentence in _sentences(unit):
                    if "HPV" in sentence:
                        assert not re.search(r"antigen|prim(e|ing)|tumou?r", sentence.lower()), (
                            item["slug"],
                            sentence,
                        )
    assert mentioned >= 3
    assert "HPV" not in _prose(_item(client, "mechanisms", "antigen-priming"))
    # What immunotherapy treats, and what it prevents, in paragraphs of their own.
    answer = _item(client, "faqs", "which-cancers-does-immunotherapy-treat")["answer"]["markdown"]
    for paragraph in _paragraphs(answer):
        if "HPV" in paragraph or "cervical" in paragraph:
            assert "prevent" in paragraph and "approved" not in paragraph, paragraph


def test_fewer_side_effects_keeps_its_caveat(client):
    faq = _item(client, "faqs", "immunotherapy-versus-chemotherapy-and-radiation")
    quotes = {citation["id"]: citation["quote"].lower() for citation in faq["sources"]}
    paragraphs = [p for p in _paragraphs(faq["answer"]["markdown"]) if "fewer side effects" in p]
    assert paragraphs
    for paragraph in paragraphs:
        assert "autoimmune" in paragraph.lower() or "immune-related" in paragraph.lower()
        cited = [quotes[marker] for marker in re.findall(r"\[\^([^\]]+)\]", paragraph)]
        assert any("adverse events" in quote for quote in cited), paragraph


def test_monoclonal_antibodies_and_targeted_therapy_agree(client):
    therapy = _item(client, "therapies", "monoclonal-antibodies")
    faq = _item(client, "faqs", "is-immunotherapy-targeted-therapy")
    assert "targeted therapies" in _prose(therapy)
    # The FAQ says where the two meet: monoclonal antibodies are both.
    answer = _prose(faq)
    assert re.search(r"Monoclonal antibodies[^.]*targeted therap", answer), answer
    assert "monoclonal-antibodies" in [link["slug"] for link in faq["therapies"]]
    assert "is-immunotherapy-targeted-therapy" in [link["slug"] for link in therapy["faqs"]]


@pytest.mark.parametrize(
    "slug",
    [
        "kidney-cancer",
        "multiple-sclerosis",
        "rheumatoid-arthritis",
        "chronic-infections",
        "autoimmune-disorders",
    ],
)
def test_every_indication_is_reached_by_a_link(client, slug):
    indication = _item(client, "indications", slug)
    links = indication["therapies"] + indication["related_indications"] + indication["faqs"]
    assert links, slug


def test_therapies_list_their_faqs_and_faqs_link_indications(client):
    for therapy in _all(client, "therapies"):
        assert therapy["faqs"], therapy["slug"]
    linked = [faq for faq in _all(client, "faqs") if faq["indications"]]
    assert len(linked) >= 5


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("mechanisms", "cytokine-stimulation"), ("faqs", "what-are-cytokines")),
        (("mechanisms", "cytokine-stimulation"), ("therapies", "cytokines")),
        (("therapies", "cytokines"), ("faqs", "what-are-cytokines")),
        (("indications", "melanoma"), ("indications", "lung-cancer")),
        (("indications", "lung-cancer"), ("indications", "bladder-cancer")),
        (("indications", "melanoma"), ("indications", "bladder-cancer")),
        (("indications", "multiple-sclerosis"), ("indications", "rheumatoid-arthritis")),
    ],
)
def test_items_that_were_near_duplicates_each_say_their_own_thing(client, first, second):
    score = similarity(_prose(_item(client, *first)), _prose(_item(client, *second)))
    assert score <= MAX_SIMILARITY, (first, second, score)


def test_every_mechanism_says_more_than_its_therapies_restated(client):
    for mechanism in _all(client, "mechanisms"):
        for link in mechanism["therapies"]:
            therapy = _item(client, "therapies", link["slug"])
            assert similarity(_prose(mechanism), _prose(therapy)) <= MAX_SIMILARITY, (mechanism["slug"], link)


def test_summaries_and_answers_are_plain_language(client):
    grades = {}
    for collection in COLLECTIONS:
        for item in _all(client, collection):
            if "summary" in item:
                grades[f"{item['slug']} summary"] = textstat.flesch_kincaid_grade(item["summary"])
            if "answer" in item:
                grades[f"{item['slug']} answer"] = textstat.flesch_kincaid_grade(
                    plain_text(item["answer"]["markdown"])
                )
    assert len(grades) >= 45
    assert statistics.median(grades.values()) <= 9
    assert max(grades.values()) <= 12, max(grades.items(), key=lambda entry: entry[1])


def test_prose_spells_terms_one_way_with_straight_quotes(client):
    for collection in COLLECTIONS:
        for item in _all(client, collection):
            text = _prose(item) + " " + item.get("name", item.get("question", ""))
            assert not re.search("[\u2018\u2019\u201c\u201d]", text), item["slug"]
            assert "CAR-T" not in text and "T-cells" not in text, item["slug"]
