"""Full-text search: ranked hits across types, punctuation in terms, phrases, hostile input."""

import json
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from service.domain.consistency import check_consistency
from service.domain.db import db
from service.domain.editing import update_item
from service.domain.models import Therapy
from service.domain.words import terms, words
from tests.backed import BACKED_THERAPY
from tests.workflow import approve, preview_etag


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


def slugs(client, query, **params):
    return [hit["slug"] for hit in search(client, query, **params)]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("does immunotherapy cause side effects", "side-effects-of-immunotherapy"),
        ("what is immunotherapy", "what-is-immunotherapy"),
        ("what are checkpoint inhibitors", "what-are-checkpoint-inhibitors"),
        ("how are side effects managed", "how-are-side-effects-managed"),
    ],
)
def test_a_question_finds_its_answer_first(client, question, answer):
    assert slugs(client, question)[0] == answer


# The fields of a representation that search looks in.
SEARCHED_FIELDS = (
    "name",
    "question",
    "alternate_names",
    "summary",
    "body",
    "answer",
    "examples",
    "side_effects",
    "targets",
    "topics",
)


def test_items_matching_more_of_the_words_come_first_and_all_words_outrank_some(client):
    query = "vaccine antigen memory"
    hits = search(client, query, page_size=100)
    wanted = [terms(word) for word in words(query)]
    found = []
    for hit in hits:
        item = client.get(hit["href"]).json
        text = " ".join(_texts([item.get(name) for name in SEARCHED_FIELDS]))
        stems = set().union(*(terms(word) for word in words(text)))
        found.append(sum(1 for word in wanted if word & stems))
    # Any word may match, but an item with more of the words comes before one with fewer.
    assert found == sorted(found, reverse=True)
    assert found[0] > 1 and min(found) == 1
    assert "cancer-vaccines" in [hit["slug"] for hit in hits[:3]]


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for entry in value:
            yield from _texts(entry)
    elif isinstance(value, dict):
        yield value["markdown"]


def test_stop_and_question_words_need_not_match(client):
    assert slugs(client, "what is the melanoma")[:1] == slugs(client, "melanoma")[:1] == ["melanoma"]
    assert search(client, "what is the") == []


@pytest.mark.parametrize(
    ("typed", "corrected", "expected"),
    [
        ("pembrolizumb", "pembrolizumab", "checkpoint-inhibitors"),
        ("leukamia", "leukemia", "leukemia"),
        ("melanomma", "melanoma", "melanoma"),
        ("immunotherpay side effects", "immunotherapy side effects", "side-effects-of-immunotherapy"),
    ],
)
def test_typos_are_corrected_against_the_vocabulary_and_named(client, typed, corrected, expected):
    response = client.get(
        "/api/v1/search", query_string={"q": typed}, headers={"Origin": "https://app.example"}
    )
    assert response.status_code == 200
    assert expected in [hit["slug"] for hit in response.json[:3]]
    assert unquote(response.headers["X-Did-You-Mean"]) == corrected
    assert "X-Did-You-Mean" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("canser", True),  # 6 letters: one typo
        ("cacner", True),  # a transposition is one typo
        ("cnacre", False),  # three
        ("tcell", False),  # under 5 letters: none ... ("tcell" is not "t-cell"'s joined form)
        ("lymphomaa", True),  # 9 letters: two
        ("immunothrapyy", True),
    ],
)
def test_typos_allowed_grow_with_the_word(client, typed, found):
    response = client.get("/api/v1/search", query_string={"q": typed})
    assert ("X-Did-You-Mean" in response.headers) is found


def test_a_word_spelled_right_is_never_corrected(client):
    response = client.get("/api/v1/search", query_string={"q": "cancer"})
    assert "X-Did-You-Mean" not in response.headers


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pembro", "checkpoint-inhibitors"),
        ("melan", "melanoma"),
        ("lympho", "lymphoma"),
        ("CAR T-ce", "car-t-cell-therapy"),
    ],
)
def test_the_last_word_matches_as_a_prefix(client, typed, expected):
    assert expected in slugs(client, typed)[:3]


def test_a_finished_word_is_not_a_prefix(client):
    assert slugs(client, "pembro ") == []


def test_snippets_are_plain_text_with_the_matched_words_marked(client):
    for query in ("side effects", "checkpoint", "pembro", "leukamia"):
        for hit in search(client, query, page_size=100):
            snippet = hit["snippet"]
            assert "[^" not in snippet and "**" not in snippet and "](" not in snippet
            assert "\n" not in snippet
            for start, end in hit["highlights"]:
                assert snippet[start:end].strip() and snippet[start:end] == snippet[start:end].strip()
                assert start == 0 or not snippet[start - 1].isalnum()
    side_effects = search(client, "side effects")[0]
    marked = {side_effects["snippet"][start:end].lower() for start, end in side_effects["highlights"]}
    assert {"side", "effects"} <= marked
    # A FAQ's topics find it, but are not shown.
    faq = next(
        hit
        for hit in search(client, "side effects", type="faq")
        if hit["slug"] == "side-effects-of-immunotherapy"
    )
    assert not faq["snippet"].endswith("side-effects")


def test_suggestions_complete_names_and_questions_as_typed(client):
    response = client.get("/api/v1/search/suggest", query_string={"q": "what is imm"})
    assert response.status_code == 200
    suggestions = response.json
    assert 1 <= len(suggestions) <= 8
    assert suggestions[0]["slug"] == "what-is-immunotherapy"
    for suggestion in suggestions:
        assert set(suggestion) == {"type", "slug", "name", "href", "highlights"}
        assert [suggestion["name"][s:e].lower()[:3] for s, e in suggestion["highlights"]] == ["imm"]
        assert client.get(suggestion["href"]).status_code == 200
    assert len(client.get("/api/v1/search/suggest?q=c").json) == 8
    assert client.get("/api/v1/search/suggest?q=zzzz").json == []
    assert client.get("/api/v1/search/suggest").status_code == 422
    etag = response.headers["ETag"]
    again = client.get(
        "/api/v1/search/suggest", query_string={"q": "what is imm"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304


def test_words_only_in_unpublished_text_never_surface(client, editor, reviewer):
    # A draft item, and a pending change of a published one, each with a word of its own.
    body = BACKED_THERAPY | {"name": "Zorblastin therapy", "summary": "About zorblastin."}
    assert client.post("/api/v1/therapies", json=body, headers=editor).status_code == 201
    url = "/api/v1/therapies/cytokines"
    etag = preview_etag(client, url, editor)
    changed = client.patch(
        url, json={"summary": "Cytokines, also called quixotrelins."}, headers=editor | {"If-Match": etag}
    )
    assert changed.status_code == 200
    for word in ("zorblastin", "quixotrelin"):
        for typed in (word, word[:5], word[:-1] + "x"):
            response = client.get("/api/v1/search", query_string={"q": typed})
            assert response.json == [] and "X-Did-You-Mean" not in response.headers
            assert client.get("/api/v1/search/suggest", query_string={"q": typed}).json == []
    # Once the change is approved, its words are found, completed and corrected.
    approve(client, url, editor, reviewer)
    assert slugs(client, "quixotrel") == ["cytokines"]
    assert unquote(client.get("/api/v1/search?q=quixotrelinn").headers["X-Did-You-Mean"]) == "quixotrelins"
    assert [s["slug"] for s in client.get("/api/v1/search/suggest?q=quixo").json] == []  # not in a name


def test_the_vocabulary_forgets_a_word_no_published_item_has(app, client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    approve(
        client,
        url,
        editor,
        reviewer,
        _patched(client, url, editor, {"summary": "Cytokines, or quixotrelins."}),
    )
    assert slugs(client, "quixotrelinz") == ["cytokines"]
    approve(client, url, editor, reviewer, _patched(client, url, editor, {"summary": "Cytokines."}))
    response = client.get("/api/v1/search?q=quixotrelinz")
    assert response.json == [] and "X-Did-You-Mean" not in response.headers
    with app.app_context():
        assert check_consistency() == []


def _patched(client, url, editor, changes):
    response = client.patch(
        url, json=changes, headers=editor | {"If-Match": preview_etag(client, url, editor)}
    )
    assert response.status_code == 200, response.json
    return response.headers["ETag"]


def test_hostile_queries_are_bounded(client):
    # Many phrases, many unknown words, many words: answered, quickly enough to stay under the
    # database's statement timeout (a 503 would say otherwise).
    for query in (
        " ".join(['"1"'] * 125)[:500],
        " ".join(f"qwertyuiop{n}x" for n in range(45))[:500],
        " ".join(["cancer"] * 100)[:500],
    ):
        assert client.get("/api/v1/search", query_string={"q": query}).status_code == 200
        assert client.get("/api/v1/therapies", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize(
    ("phrase", "found"),
    [
        ('"side effects of immunotherapy"', True),
        ('"side effects with immunotherapy"', False),  # stop words count in a phrase, as written
        ('"blood cancer"', True),
        ('"T-cell therapy"', True),
        ('"T cell therapy"', True),  # a hyphen joins words, a space parts them: both are a phrase
    ],
)
def test_phrases_match_as_written_on_both_databases(client, phrase, found):
    assert bool(search(client, phrase)) is found


def test_type_takes_several_content_types_meaning_any_of_them(client):
    def types(query: str) -> list[str]:
        response = client.get(f"/api/v1/search?q=immunotherapy&page_size=100&{query}")
        assert response.status_code == 200, response.json
        return [hit["type"] for hit in response.json]

    both = types("type=faq,therapy")
    assert set(both) == {"faq", "therapy"}
    assert len(both) == len(types("type=faq")) + len(types("type=therapy"))
    assert types("type=therapy&type=faq") == both
    assert client.get("/api/v1/search?q=immunotherapy&type=faq,source").status_code == 422


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("immunotherapy", {}),
        ("melanoma", {}),
        ("pembrolizumab", {}),
        # Several words, each with completions; a type filter; a quoted phrase; joined parts.
        ("cancer vaccine side", {}),
        ("immunotherapy", {"type": "faq,therapy"}),
        ('"immune system" cancer', {}),
        ("CAR-T", {}),
    ],
)
def test_pages_split_the_hits_and_every_page_tells_the_same_total(client, query, filters):
    everything = search(client, query, page_size=100, **filters)
    assert len(everything) > 3
    size = 3
    pages, totals, page = [], set(), 1
    while True:
        params = {"q": query, "page": page, "page_size": size, **filters}
        response = client.get("/api/v1/search", query_string=params)
        assert response.status_code == 200, response.json
        totals.add(response.headers["X-Pagination"])
        if not response.json:
            break
        pages.append(response.json)
        page += 1
    # The last page may be short; past it, an empty page still tells the total.
    assert len(pages) == -(-len(everything) // size)
    assert [hit["slug"] for page_hits in pages for hit in page_hits] == [hit["slug"] for hit in everything]
    assert {json.loads(header)["total"] for header in totals} == {len(everything)}
