"""The seed: the five source documents and the curated content under seed/, loaded idempotently.

Content goes through the same validation and editing path as an editor's request, with the
author `seed`. An item is updated only while its newest revision is still the seed's own, so an
editor's change is never overwritten; running the seed twice changes nothing.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
import yaml

from service.content import KINDS, snapshot
from service.editing import create_item, latest_revision, update_item
from service.errors import ContentError
from service.extensions import db
from service.models import ContentGeneration, Source
from service.schemas import CREATE_SCHEMAS
from service.text import clean_source_text

SEED_AUTHOR = "seed"
# Each type may link only to types loaded before it.
CONTENT_FILES = (
    ("mechanism", "mechanisms.yaml"),
    ("indication", "indications.yaml"),
    ("therapy", "therapies.yaml"),
    ("faq", "faqs.yaml"),
)


class SeedError(Exception):
    """Seed content that cannot be loaded; the message names the item and what is wrong."""


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by an editor since seeded: left alone

    def lines(self) -> list[str]:
        lines = [
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"left alone {len(self.kept)}"
        ]
        lines += [f"  created {name}" for name in self.created]
        lines += [f"  updated {name}" for name in self.updated]
        lines += [f"  left alone (changed by an editor): {name}" for name in self.kept]
        return lines


def load_seed(seed_dir: Path) -> SeedReport:
    report = SeedReport()
    _load_sources(seed_dir, report)
    for type_, filename in CONTENT_FILES:
        for entry in _read_yaml(seed_dir / filename):
            _load_item(type_, entry, report)
    return report


def read_sources(seed_dir: Path) -> list[dict[str, Any]]:
    """The source list of seed/sources.yaml, each with its original bytes and cleaned text."""
    sources = []
    for entry in _read_yaml(seed_dir / "sources.yaml"):
        raw = (seed_dir / "documents" / entry["file"]).read_bytes()
        sources.append(
            entry
            | {
                "checksum": hashlib.sha256(raw).hexdigest(),
                "text": clean_source_text(raw.decode("utf-8"), entry.get("noise", [])),
            }
        )
    return sources


def _load_sources(seed_dir: Path, report: SeedReport) -> None:
    existing = {source.slug: source for source in db.session.scalars(sa.select(Source))}
    changed = False
    for entry in read_sources(seed_dir):
        values = {key: entry[key] for key in ("title", "checksum", "text")} | {"filename": entry["file"]}
        source = existing.get(entry["slug"])
        name = f"source {entry['slug']}"
        if source is None:
            db.session.add(Source(slug=entry["slug"], **values))
            report.created.append(name)
        elif any(getattr(source, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(source, key, value)
            report.updated.append(name)
        else:
            report.unchanged.append(name)
            continue
        changed = True
    if changed:
        db.session.execute(sa.update(ContentGeneration).values(value=ContentGeneration.value + 1))
    db.session.commit()


def _load_item(type_: str, entry: dict[str, Any], report: SeedReport) -> None:
    kind = KINDS[type_]
    slug = entry.get("slug", "?")
    name = f"{type_} {slug}"
    try:
        data = CREATE_SCHEMAS[type_]().load(entry)
    except ma.ValidationError as error:
        raise SeedError(f"{name}: invalid seed entry: {error.messages}") from None
    data["status"] = "published"
    for link_field in kind.links:
        if link_field in data:
            data[link_field] = sorted(data[link_field])
    item = db.session.scalar(sa.select(kind.model).filter_by(slug=data["slug"]))
    try:
        if item is None:
            create_item(kind, data, author=SEED_AUTHOR, note="Seeded.")
            report.created.append(name)
            return
        current = snapshot(item)
        if all(current.get(key) == value for key, value in data.items()):
            report.unchanged.append(name)
        elif latest_revision(item).author != SEED_AUTHOR:
            report.kept.append(name)
        else:
            update_item(item, data, author=SEED_AUTHOR, note="Seed content changed.")
            report.updated.append(name)
    except ContentError as error:
        db.session.rollback()
        detail = f"{error.detail} {error.errors}" if error.errors else error.detail
        raise SeedError(f"{name}: {detail}") from None


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file) or []


# Words the generated content is made of, so that searches find some items and not others.
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
    batches. Items that already exist are left alone, so the command can be run again.
    """
    from service.content import FAQ, INDICATION, THERAPY
    from service.models import Faq, Mechanism

    citation = _seed_citation()
    mechanisms = db.session.scalars(sa.select(Mechanism.slug).order_by(Mechanism.slug)).all()
    existing = set(db.session.scalars(sa.select(Faq.slug).where(Faq.slug.like("synthetic-%"))))
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
                "immunotherapy_status": ("approved", "investigational")[number % 2],
                "status": "published",
                "sources": [citation],
            },
            author=SEED_AUTHOR,
            commit=False,
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
            author=SEED_AUTHOR,
            commit=False,
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
            author=SEED_AUTHOR,
            commit=False,
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
    source = db.session.scalar(sa.select(Source).order_by(Source.slug).limit(1))
    if source is None:
        raise SeedError("Run `flask seed` first: synthetic content cites the seeded sources.")
    return {"source": source.slug, "quote": source.text[:80]}
