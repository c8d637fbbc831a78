"""Search from the stored sets: the same pages and totals as a ranking of every match, and sets
that every write keeps in step, concurrent writes too."""

import json
import threading

import pytest
import sqlalchemy as sa
from pyroaring import BitMap

from service.domain import search
from service.domain.consistency import check_consistency
from service.domain.content import FAQ
from service.domain.db import db
from service.domain.editing import archive_item, create_item
from service.domain.models import ContentItem, Source
from service.domain.synthetic import load_synthetic

QUERIES = [
    "what is an antibody vaccine",
    "antibody",
    "antib",
    "synthetic therapy",
    "vaccine side effects",
    "tumour antigen receptor",
    "immune system cancer vaccine",
    "cancer",
    "Keytruda",
    "pembrolizumb",
    "blood cancer",
    "melan",
]
TYPES = [None, "faq", ("therapy", "indication")]
PAGES = [(0, 20), (20, 20), (14, 7), (0, 100), (60, 10), (400, 20)]


@pytest.fixture
def synthetic_app(app):
    with app.app_context():
        load_synthetic(40)
    return app


def test_pages_from_the_sets_are_those_of_a_ranking_of_every_match(synthetic_app, monkeypatch):
    # Bounds lowered, so that on this small set tiers too large to rank at once are read best first
    # from each stem's rows, and some pages need more than that and are ranked in full.
    monkeypatch.setattr(search, "RANKED_AT_ONCE", 4)
    monkeypatch.setattr(search, "READ_AHEAD", 60)
    read_best_first, ranked_by_ids = [], []
    best_found_once, of_items = search._best_found_once, search._of_items

    def recorded(calls, function):
        def call(*args):
            calls.append(result := function(*args))
            return result

        return call

    monkeypatch.setattr(search, "_best_found_once", recorded(read_best_first, best_found_once))
    monkeypatch.setattr(search, "_of_items", recorded(ranked_by_ids, of_items))
    compared = ranked_in_full = 0
    with synthetic_app.app_context():
        lexicon = search.lexicon()
        for query in QUERIES:
            plan = search.plan(query, lexicon)
            for type in TYPES:
                for offset, limit in PAGES:
                    bounds = {"statuses": ("published",), "type": type, "offset": offset, "limit": limit}
                    from_sets = search._page_from_sets(plan, lexicon, **bounds)
                    if from_sets is None:
                        ranked_in_full += 1
                        continue
                    rows, total = search._page_from_ranking(plan, lexicon, **bounds)
                    where = (query, type, offset, limit)
                    assert [row.item_id for row in from_sets[0]] == [row.item_id for row in rows], where
                    # The same ranks to the last bit, however the rows were read.
                    assert [row.rank for row in from_sets[0]] == [row.rank for row in rows], where
                    assert from_sets[1] == total, where
                    compared += 1
    # Pages from tiers read best first, pages of chosen items, and pages ranked in full were all seen.
    assert compared > 100 and ranked_in_full
    assert len([best for best in read_best_first if best is not None]) > 20
    assert len(ranked_by_ids) > 20


def test_the_sets_follow_concurrent_publishing_and_archiving(app):
    writers, each = 4, 5
    barrier = threading.Barrier(writers)
    failures = []

    def publish(writer: int) -> None:
        with app.app_context():
            text = db.session.scalar(sa.select(Source.text).where(Source.slug == "immunotherapy-use"))
            citation = {"source": "immunotherapy-use", "quote": text[:80]}
            barrier.wait()
            try:
                for number in range(each):
                    create_item(
                        FAQ,
                        {
                            "slug": f"zymoquartz-{writer}-{number}",
                            "question": f"What is zymoquartz {writer} {number}?",
                            "answer": "Zymoquartz is a word that only these questions hold.",
                            "status": "published",
                            "sources": [citation],
                        },
                        author="test",
                        check_claims=False,
                    )
            except Exception as error:
                failures.append(repr(error))
                raise

    threads = [threading.Thread(target=publish, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and not any(thread.is_alive() for thread in threads)
    client = app.test_client()

    def found() -> int:
        response = client.get("/api/v1/search?q=zymoquartz")
        return json.loads(response.headers["X-Pagination"])["total"]

    with app.app_context():
        assert check_consistency() == []
    assert found() == writers * each
    with app.app_context():
        item = db.session.scalar(sa.select(ContentItem).where(ContentItem.slug == "zymoquartz-0-0"))
        archive_item(item, author="test")
        db.session.commit()
        assert check_consistency() == []
    assert found() == writers * each - 1


def test_a_set_out_of_step_is_reported(app_context):
    db.session.execute(sa.delete(search.search_sets).where(search.search_sets.c.name == "stem melanoma"))
    db.session.commit()
    problems = check_consistency()
    assert any("search set 'stem melanoma'" in problem for problem in problems), problems


def test_a_name_too_long_to_be_read_in_order_is_ranked_in_full(app_context):
    # Past NAME_WORDS_IN_ORDER words, a name's share of words found no longer steps over every
    # weight: where the rows read reach such a name, the best cannot be read in order.
    text = db.session.scalar(sa.select(Source.text).where(Source.slug == "immunotherapy-use"))
    words = " ".join(
        f"word{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(search.NAME_WORDS_IN_ORDER + 5)
    )
    for slug, question in (("short", "What is zymoquartz?"), ("long", f"What is zymoquartz {words}?")):
        create_item(
            FAQ,
            {
                "slug": f"zymoquartz-{slug}",
                "question": question,
                "answer": "Zymoquartz is a word that only these questions hold.",
                "status": "published",
                "sources": [{"source": "immunotherapy-use", "quote": text[:80]}],
            },
            author="test",
            check_claims=False,
        )
    lexicon = search.lexicon()
    plan = search.plan("zymoquartz ", lexicon)
    tier = search._group_sets(plan, lexicon, None)[0]
    assert len(tier) == 2
    assert search._best_found_once(plan, lexicon, None, tier, 1, 0) == BitMap(
        db.session.scalars(sa.select(ContentItem.id).where(ContentItem.slug == "zymoquartz-short"))
    )
    assert search._best_found_once(plan, lexicon, None, tier, 2, 0) is None
