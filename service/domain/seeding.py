"""The seed: the five source documents and the curated content under seed/, loaded idempotently.

Sources and content go through the same validation and editing path as an editor's request, with
the author `seed`. An item is updated only while its newest revision is still the seed's own, so an
editor's change is never overwritten; running the seed twice changes nothing. The whole seed is
loaded in one transaction and its claims checked as a whole (a link may be backed at either end),
so a seed with an unsupported claim changes nothing.

Synonym sets (seed/synonyms.yaml) are loaded in the same transaction, through the same path as an
editor's, only into a database that never had any: once seeded, they are the editors' to change,
and a set an editor deleted is not brought back.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
import yaml

from service.domain.content import KINDS, snapshot, state_value
from service.domain.db import db
from service.domain.editing import check_published, create_item, latest_revision, update_item
from service.domain.errors import ContentError
from service.domain.models import ContentItem, SlugRedirect, SynonymRevision
from service.domain.synonyms import create_synonym_set
from service.domain.text import clean_source_text

SEED_AUTHOR = "seed"
# What a source may say of itself in sources.yaml; left out, it is unknown (null).
SOURCE_METADATA = ("url", "publisher", "author", "published_on", "retrieved_on")
# Each type may link only to types loaded before it.
CONTENT_FILES = (
    ("mechanism", "mechanisms.yaml"),
    ("indication", "indications.yaml"),
    ("therapy", "therapies.yaml"),
    ("faq", "faqs.yaml"),
)
SYNONYMS_FILE = "synonyms.yaml"
SYNONYM_FIELDS = ("terms", "one_way")


class SeedError(Exception):
    """Seed content that cannot be loaded; the message names the item and what is wrong."""


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by an editor since seeded: left alone
    synonym_sets: int = 0  # synonym sets created
    synonyms_kept: bool = False  # the database has had synonyms before: the editors' now

    def lines(self) -> list[str]:
        lines = [
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"left alone {len(self.kept)}"
        ]
        lines += [f"  created {name}" for name in self.created]
        lines += [f"  updated {name}" for name in self.updated]
        lines += [f"  left alone (changed by an editor): {name}" for name in self.kept]
        if self.synonyms_kept:
            lines.append("synonyms: left alone (editors manage them once seeded)")
        else:
            lines.append(f"synonyms: created {self.synonym_sets} sets")
        return lines


def load_seed(seed_dir: Path, schemas: Mapping[str, type[ma.Schema]]) -> SeedReport:
    """Load the seed; each entry is first validated by the schema an editor's create is (by type)."""
    report = SeedReport()
    written = []
    try:
        for entry in read_sources(seed_dir):
            source = {key: entry[key] for key in ("slug", "title", "text", *SOURCE_METADATA) if key in entry}
            computed = {"checksum": entry["checksum"]}
            written += _load_item("source", schemas["source"], source, report, computed=computed)
        for type_, filename in CONTENT_FILES:
            for entry in _read_yaml(seed_dir / filename):
                written += _load_item(type_, schemas[type_], entry, report)
        _load_synonyms(seed_dir / SYNONYMS_FILE, report)
        if written:
            # What every item lacks is brought up to date (a link's backing may be at either end,
            # and a database from before the claim rules has all to catch up on); only the seed's
            # own items must lack nothing, since what editors wrote is theirs to fix.
            unsupported = check_published(list(db.session.scalars(sa.select(ContentItem))))
            seeded = {f"{item.type} {item.slug}" for item in written}
            lines = [
                f"{name}: {claim}: {problem}"
                for name, found in unsupported.items()
                if name in seeded
                for claim, problems in found.items()
                for problem in problems
            ]
            if lines:
                raise SeedError("Unsupported claims in the seed:\n" + "\n".join(lines))
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
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


def _load_item(
    type_: str,
    schema: type[ma.Schema],
    entry: dict[str, Any],
    report: SeedReport,
    *,
    computed: dict[str, Any] | None = None,
) -> list[ContentItem]:
    """Create or update one item, the transaction left open: the item, if it was written.

    `computed`: fields the seed makes itself (a source's checksum), which no schema takes."""
    kind = KINDS[type_]
    slug = entry.get("slug", "?")
    name = f"{type_} {slug}"
    try:
        data = schema().load(entry) | (computed or {})
    except ma.ValidationError as error:
        raise SeedError(f"{name}: invalid seed entry: {error.messages}") from None
    data["status"] = "published"
    for link_field in kind.links:
        if link_field in data:
            data[link_field] = sorted(data[link_field])
    item = db.session.scalar(sa.select(kind.model).filter_by(slug=data["slug"]))
    if item is None:
        # An editor may have renamed it: the seed's slug then redirects to it.
        renamed = sa.select(kind.model).join(SlugRedirect, SlugRedirect.item_id == kind.model.id)
        item = db.session.scalar(
            renamed.where(SlugRedirect.type == type_, SlugRedirect.old_slug == data["slug"])
        )
    batch = {"author": SEED_AUTHOR, "commit": False, "check_claims": False, "reviewed_by": SEED_AUTHOR}
    try:
        if item is None:
            item = create_item(kind, data, note="Seeded.", **batch)
            report.created.append(name)
            return [item]
        fixed = {key: data.pop(key) for key in kind.fixed_fields if key in data}
        if changed := [key for key, value in fixed.items() if getattr(item, key) != value]:
            fields = " and ".join(changed)
            raise SeedError(f"{name}: its {fields} differ from what is stored. {kind.fixed_because}")
        current = snapshot(item)
        if all(current.get(key) == state_value(value) for key, value in data.items()):
            report.unchanged.append(name)
        elif latest_revision(item).author != SEED_AUTHOR:
            report.kept.append(name)
        else:
            update_item(item, data, note="Seed content changed.", **batch)
            report.updated.append(name)
            return [item]
    except ContentError as error:
        detail = f"{error.detail} {error.errors}" if error.errors else error.detail
        raise SeedError(f"{name}: {detail}") from None
    return []


def _load_synonyms(path: Path, report: SeedReport) -> None:
    """The seed's synonym sets, into a database that never had any; the transaction left open."""
    if not path.exists():
        return
    if db.session.scalar(sa.select(SynonymRevision.id).limit(1)) is not None:
        report.synonyms_kept = True
        return
    for number, entry in enumerate(_read_yaml(path), start=1):
        name = f"synonym set {number} {entry.get('terms') if isinstance(entry, dict) else entry!r}"
        if not isinstance(entry, dict) or set(entry) - set(SYNONYM_FIELDS) or "terms" not in entry:
            raise SeedError(f"{name}: an entry has `terms` and, optionally, `one_way`; nothing else.")
        if not isinstance(entry.get("one_way", False), bool):
            raise SeedError(f"{name}: `one_way` is true or false.")
        try:
            create_synonym_set(
                entry["terms"],
                one_way=entry.get("one_way", False),
                author=SEED_AUTHOR,
                note="Seeded.",
                commit=False,
            )
        except ContentError as error:
            detail = f"{error.detail} {error.errors}" if error.errors else error.detail
            raise SeedError(f"{name}: {detail}") from None
        report.synonym_sets += 1


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file) or []


# Words the generated content is made of, so that searches find some items and not others.
