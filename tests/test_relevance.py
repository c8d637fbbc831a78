"""The judged search queries (bench/judged-queries.yaml): the set itself is sound, and search meets
the relevance targets on it."""

import pytest

from bench.relevance import CATEGORIES, TYPES, JudgedSetError, evaluate, load_judged_queries
from service.domain.content import SEARCHABLE_KINDS
from service.web.paths import item_href

JUDGED = load_judged_queries()


def test_the_set_is_large_enough_and_no_query_is_in_it_twice():
    assert len(JUDGED) >= 60
    spelled = [" ".join(judged.query.casefold().split()) for judged in JUDGED]
    assert sorted({query for query in spelled if spelled.count(query) > 1}) == []


def test_every_category_and_every_content_type_is_judged():
    assert {judged.category for judged in JUDGED} == set(CATEGORIES)
    assert {item.partition("/")[0] for judged in JUDGED for item in judged.relevant} == set(TYPES)


def test_no_query_lists_a_right_answer_twice():
    assert [judged.query for judged in JUDGED if len(set(judged.relevant)) != len(judged.relevant)] == []


def test_every_right_answer_is_a_published_item(client):
    items = sorted({item for judged in JUDGED for item in judged.relevant})
    missing = []
    for item in items:
        kind, _, slug = item.partition("/")
        # Without a token, only what is published is served.
        response = client.get(item_href(SEARCHABLE_KINDS[kind], slug))
        if response.status_code != 200 or response.json["slug"] != slug:
            missing.append(item)
    assert missing == []


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("- query: melanoma\n  category: keyword\n", "required"),
        ("- query: melanoma\n  category: guess\n  relevant: [indication/melanoma]\n", "category"),
        ("- query: melanoma\n  category: keyword\n  relevant: [melanoma]\n", "type/slug"),
        ("- query: melanoma\n  category: keyword\n  relevant: [source/melanoma]\n", "type/slug"),
        ("- query: melanoma\n  category: keyword\n  relevant: []\n", "at least one"),
        ("- query: melanoma\n  category: keyword\n  relevant: [indication/melanoma]\n  why: x\n", "unknown"),
    ],
)
def test_a_malformed_entry_is_refused_with_the_reason(tmp_path, entry, complaint):
    path = tmp_path / "judged.yaml"
    path.write_text(entry)
    with pytest.raises(JudgedSetError, match=complaint):
        load_judged_queries(path)


def test_search_meets_the_relevance_targets(client):
    scores = evaluate(client)
    failing = [
        f"{outcome.judged.query!r}: {', '.join(outcome.hits[:3]) or 'no hits'}"
        for outcome in scores.failures()
    ]
    assert scores.missed_targets() == [], "\n".join(failing)
