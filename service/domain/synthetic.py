"""Generated content for load tests (`flask seed --synthetic N`): many items, through the editing
path like any content, so that the benchmark measures what real content costs."""

import sqlalchemy as sa

from service.domain.content import FAQ, INDICATION, THERAPY
from service.domain.db import db
from service.domain.editing import create_item
from service.domain.models import IMMUNOTHERAPY_STATUSES, Faq, Mechanism, Source
from service.domain.seeding import SEED_AUTHOR, SeedError

_SYNTHETIC_WORDS = [
    "antibody",
    "antigen",
    "tumour",
    "receptor",
    "cytokine",
    "interleukin",
    "checkpoint",
    "lymphocyte",
    "vaccine",
    "response",
    "marrow",
    "biomarker",
    "remission",
    "infusion",
    "dose",
    "tolerance",
    "allergen",
    "pathway",
    "signal",
    "protein",
]
SYNTHETIC_BATCH = 500


def load_synthetic(count: int) -> int:
    """Add `count` generated therapies, indications and FAQs, with links, for load tests.

    They go through the editing path like any content (revisions, search index), committed in
    batches. Items that already exist are left alone, so the command can be run again. Their
    claims are made up, so they are published unchecked: this is content for load tests only,
    every name says "Synthetic".
    """
    citation = _seed_citation()
    mechanisms = db.session.scalars(sa.select(Mechanism.slug).order_by(Mechanism.slug)).all()
    existing = set(db.session.scalars(sa.select(Faq.slug).where(Faq.slug.like("synthetic-%"))))
    unchecked = {"author": SEED_AUTHOR, "commit": False, "check_claims": False}
    created = 0
    for number in range(1, count + 1):
        if f"synthetic-faq-{number}" in existing:
            continue
        words = " ".join(_SYNTHETIC_WORDS[(number * step) % len(_SYNTHETIC_WORDS)] for step in (1, 3, 7, 11))
        indication = create_item(
            INDICATION,
            {
                "slug": f"synthetic-indication-{number}",
                "name": f"Synthetic indication {number}",
                "summary": f"A generated condition about {words}.",
                "area": ("cancer", "autoimmune", "allergy", "infection", "other")[number % 5],
                "immunotherapy_status": IMMUNOTHERAPY_STATUSES[number % len(IMMUNOTHERAPY_STATUSES)],
                "status": "published",
                "sources": [citation],
            },
            **unchecked,
        )
        therapy = create_item(
            THERAPY,
            {
                "slug": f"synthetic-therapy-{number}",
                "name": f"Synthetic therapy {number}",
                "summary": f"A generated therapy acting on {words}.",
                "body": f"Generated text about **{words}**.",
                "examples": [f"synthmab-{number}"],
                "mechanisms": [mechanisms[number % len(mechanisms)]],
                "indications": [indication.slug],
                "status": "published",
                "sources": [citation],
            },
            **unchecked,
        )
        create_item(
            FAQ,
            {
                "slug": f"synthetic-faq-{number}",
                "question": f"Synthetic question {number}: what about {words}?",
                "answer": f"A generated answer about {words}.",
                "topics": [_SYNTHETIC_WORDS[number % len(_SYNTHETIC_WORDS)]],
                "therapies": [therapy.slug],
                "position": 1000 + number,
                "status": "published",
                "sources": [citation],
            },
            **unchecked,
        )
        created += 1
        if created % SYNTHETIC_BATCH == 0:
            db.session.commit()
    db.session.commit()
    _refresh_planner_statistics()
    return created


def _refresh_planner_statistics() -> None:
    """The databases' advice after a bulk load. Without statistics the planner sees the old, small
    tables: PostgreSQL scans where an index would do (until autovacuum comes by, and index-only
    scans still visit the table), and SQLite sorts a whole list rather than read it in order from
    the name's index."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _seed_citation() -> dict[str, str]:
    published = sa.select(Source).where(Source.status == "published")
    source = db.session.scalar(published.order_by(Source.slug).limit(1))
    if source is None:
        raise SeedError("Run `flask seed` first: synthetic content cites the seeded sources.")
    return {"source": source.slug, "quote": source.text[:80]}
