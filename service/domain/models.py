"""The database model: content items, their links and citations, sources, revisions, tokens and
the synonyms search expands queries with.

Therapies, mechanisms, indications, FAQs and the sources they cite share one `content_items` table
(joined-table inheritance), so that slugs, status, versions, revisions and redirects are kept once
for every type.
"""

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from service.domain.db import db

CONTENT_TYPES = ("therapy", "mechanism", "indication", "faq", "source")
# draft -> in_review -> published, by a second person's approval; archived withdraws.
STATUSES = ("draft", "in_review", "published", "archived")
AREAS = ("cancer", "autoimmune", "allergy", "infection", "other")
# What the sources say of immunotherapy for a condition: approved to treat it; used to treat it,
# with no approval stated; used to prevent it (HPV vaccines); still being explored.
IMMUNOTHERAPY_STATUSES = ("approved", "used", "prevention", "investigational")
# Each role may do all that the ones before it may: viewer reads previews; editor drafts, submits
# and archives; reviewer also approves, rejects and re-confirms; admin also manages tokens.
ROLES = ("viewer", "editor", "reviewer", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


# SQLite keeps no time zone; every timestamp is stored and read as UTC.
class UTCDateTime(sa.TypeDecorator):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _link_table(name: str, left: tuple[str, str], right: tuple[str, str]) -> sa.Table:
    """A many-to-many link between two content tables, each side a (column, table) pair: a row goes
    with either item, and the right side is indexed for look-ups from that end."""
    (left_column, left_table), (right_column, right_table) = left, right
    return sa.Table(
        name,
        db.metadata,
        sa.Column(left_column, sa.ForeignKey(f"{left_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(right_column, sa.ForeignKey(f"{right_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Index(f"ix_{name}_{right_column}", right_column),
    )


therapy_mechanisms = _link_table(
    "therapy_mechanisms", ("therapy_id", "therapies"), ("mechanism_id", "mechanisms")
)
therapy_indications = _link_table(
    "therapy_indications", ("therapy_id", "therapies"), ("indication_id", "indications")
)
faq_therapies = _link_table("faq_therapies", ("faq_id", "faqs"), ("therapy_id", "therapies"))
faq_indications = _link_table("faq_indications", ("faq_id", "faqs"), ("indication_id", "indications"))
# Related indications: one row per pair, written both ways, so that either end reads the link.
indication_relations = _link_table(
    "indication_relations", ("indication_id", "indications"), ("related_id", "indications")
)


class Citation(db.Model):
    __tablename__ = "citations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    source_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sources.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    # The citation's id within its item, which footnote markers name: the writer's, or its position.
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    quote: so.Mapped[str] = so.mapped_column(sa.Text)
    # The claims the quote backs: field names, or "field:entry" for one list entry or one link.
    supports: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    source: so.Mapped["Source"] = so.relationship(foreign_keys=source_id, lazy="joined", innerjoin=True)


class ContentItem(db.Model):
    """What every content type has: identity, slug, status, version and provenance."""

    __tablename__ = "content_items"
    __table_args__ = (
        sa.UniqueConstraint("type", "slug"),
        _one_of("type", CONTENT_TYPES, "type"),
        _one_of("status", STATUSES, "status"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.Index("ix_content_items_type_status", "type", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(20))
    slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="draft")
    version: so.Mapped[int] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The last review of the public version: when and by whom (a person) it was approved or
    # re-confirmed.
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reviewed_by: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    # What the item's citations did not back when it last changed ({"claim", "problem"} each);
    # always empty on a published version, since publishing refuses anything unsupported.
    unsupported_claims: so.Mapped[list[dict[str, str]]] = so.mapped_column(sa.JSON, default=list)

    citations: so.Mapped[list[Citation]] = so.relationship(
        order_by=Citation.position, cascade="all, delete-orphan", passive_deletes=True
    )

    # `version` guards every UPDATE (WHERE version = :loaded), so two writers that both passed
    # the If-Match check cannot both commit. The editing path sets it: a published item's row
    # keeps its public version while newer, pending versions wait in its revisions.
    __mapper_args__ = {"polymorphic_on": "type", "version_id_col": version, "version_id_generator": False}

    @property
    def review_record(self) -> "ContentItem":
        """What its `review` is read from: its reviewed_at and reviewed_by."""
        return self

    @property
    def title(self) -> str:
        """The item's display name: a name, or the question of a FAQ."""
        return self.name  # type: ignore[attr-defined]


class NamedContent:
    """The columns of a kind that is named and summarized: therapies, mechanisms, indications."""

    id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    # Other names the item goes by; a citation backing a link may mention any of them.
    alternate_names: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)


class DescribedContent(NamedContent):
    """A named kind with a Markdown description: therapies and mechanisms."""

    body_markdown: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    @property
    def body(self) -> dict[str, str]:
        return {"markdown": self.body_markdown, "html": self.body_html}


class Mechanism(DescribedContent, ContentItem):
    __tablename__ = "mechanisms"
    __mapper_args__ = {"polymorphic_identity": "mechanism"}

    targets: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    therapies: so.Mapped[list["Therapy"]] = so.relationship(
        secondary=therapy_mechanisms, back_populates="mechanisms", order_by="Therapy.name"
    )


class Indication(NamedContent, ContentItem):
    __tablename__ = "indications"
    __table_args__ = (
        _one_of("area", AREAS, "area"),
        _one_of("immunotherapy_status", IMMUNOTHERAPY_STATUSES, "immunotherapy_status"),
    )
    __mapper_args__ = {"polymorphic_identity": "indication"}

    area: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    immunotherapy_status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)

    therapies: so.Mapped[list["Therapy"]] = so.relationship(
        secondary=therapy_indications, back_populates="indications", order_by="Therapy.name"
    )
    faqs: so.Mapped[list["Faq"]] = so.relationship(
        secondary=faq_indications, back_populates="indications", order_by="Faq.position"
    )
    related_indications: so.Mapped[list["Indication"]] = so.relationship(
        secondary=indication_relations,
        primaryjoin=lambda: Indication.id == indication_relations.c.indication_id,
        secondaryjoin=lambda: Indication.id == indication_relations.c.related_id,
        order_by=lambda: Indication.name,
    )


class Therapy(DescribedContent, ContentItem):
    __tablename__ = "therapies"
    __mapper_args__ = {"polymorphic_identity": "therapy"}

    examples: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # None where the sources say nothing of this kind's side effects; [] only where they say none.
    side_effects: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON(none_as_null=True))

    mechanisms: so.Mapped[list[Mechanism]] = so.relationship(
        secondary=therapy_mechanisms, back_populates="therapies", order_by=Mechanism.name
    )
    indications: so.Mapped[list[Indication]] = so.relationship(
        secondary=therapy_indications, back_populates="therapies", order_by=Indication.name
    )
    faqs: so.Mapped[list["Faq"]] = so.relationship(
        secondary=faq_therapies, back_populates="therapies", order_by="Faq.position"
    )


class FaqTopic(db.Model):
    __tablename__ = "faq_topics"

    faq_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("faqs.id", ondelete="CASCADE"), primary_key=True)
    topic: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    position: so.Mapped[int] = so.mapped_column(default=0)

    __table_args__ = (sa.Index("ix_faq_topics_topic", "topic"),)


class Faq(ContentItem):
    __tablename__ = "faqs"
    __mapper_args__ = {"polymorphic_identity": "faq"}

    id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True
    )
    question: so.Mapped[str] = so.mapped_column(sa.String(500), unique=True)
    answer_markdown: so.Mapped[str] = so.mapped_column(sa.Text)
    answer_html: so.Mapped[str] = so.mapped_column(sa.Text)
    position: so.Mapped[int] = so.mapped_column(index=True)

    topic_rows: so.Mapped[list[FaqTopic]] = so.relationship(
        order_by=FaqTopic.position, cascade="all, delete-orphan", passive_deletes=True
    )
    therapies: so.Mapped[list[Therapy]] = so.relationship(
        secondary=faq_therapies, back_populates="faqs", order_by=Therapy.name
    )
    indications: so.Mapped[list[Indication]] = so.relationship(
        secondary=faq_indications, back_populates="faqs", order_by=Indication.name
    )

    @property
    def title(self) -> str:
        return self.question

    @property
    def answer(self) -> dict[str, str]:
        return {"markdown": self.answer_markdown, "html": self.answer_html}

    @property
    def topics(self) -> list[str]:
        return [row.topic for row in self.topic_rows]

    @topics.setter
    def topics(self, topics: list[str]) -> None:
        existing = {row.topic: row for row in self.topic_rows}
        rows = []
        for position, topic in enumerate(dict.fromkeys(topics)):
            row = existing.get(topic) or FaqTopic(topic=topic)
            row.position = position
            rows.append(row)
        self.topic_rows = rows


def _sha256_of_text(context) -> str:
    return hashlib.sha256(context.get_current_parameters()["text"].encode("utf-8")).hexdigest()


class Source(ContentItem):
    """A document the content was drawn from: its text, which every quote is checked against, is
    stored as sent and never changes (a new edition is a new source)."""

    __tablename__ = "sources"
    __mapper_args__ = {"polymorphic_identity": "source"}

    id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # The sha256 of the text as sent, unless given: the seed gives its original file's.
    checksum: so.Mapped[str] = so.mapped_column(sa.String(64), default=_sha256_of_text)
    # What the document reveals of itself; None where it does not (never guessed).
    url: so.Mapped[str | None] = so.mapped_column(sa.String(2000))
    publisher: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    author: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    published_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    retrieved_on: so.Mapped[date | None] = so.mapped_column(sa.Date)

    # How many citations of published items quote it; loaded where a source is shown.
    cited_by: so.Mapped[int] = so.column_property(
        sa.select(sa.func.count(Citation.id))
        .join(_citing := ContentItem.__table__.alias("citing"), _citing.c.id == Citation.item_id)
        .where(Citation.source_id == id, _citing.c.status == "published")
        .correlate_except(Citation)
        .scalar_subquery(),
        deferred=True,
    )
    # The items whose citations quote it (each once): its validators include their
    # versions, since its `cited_by` changes with them.
    citing_items: so.Mapped[list[ContentItem]] = so.relationship(
        secondary="citations",
        primaryjoin="Source.id == Citation.source_id",
        secondaryjoin="ContentItem.id == Citation.item_id",
        viewonly=True,
    )

    @so.validates("published_on", "retrieved_on")
    def _date(self, _key: str, value: date | str | None) -> date | None:
        # A revision keeps dates as ISO 8601 text (JSON); restoring one sets them from it.
        return date.fromisoformat(value) if isinstance(value, str) else value


class SlugRedirect(db.Model):
    """An old slug of a renamed item, answered with 301 to the current one."""

    __tablename__ = "slug_redirects"
    __table_args__ = (sa.UniqueConstraint("type", "old_slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(20))
    old_slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


# What a change did to an item: its creation, an edit, a step of review, an archiving or a restore.
REVISION_ACTIONS = (
    "created",
    "updated",
    "submitted",
    "rejected",
    "published",
    "reviewed",
    "archived",
    "restored",
)


class Revision(db.Model):
    """A full snapshot of an item after one change, with who made it and why."""

    __tablename__ = "revisions"
    __table_args__ = (sa.UniqueConstraint("item_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    version: so.Mapped[int] = so.mapped_column()
    action: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    snapshot: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    author: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The person behind the author's token: whom four eyes compare.
    person: so.Mapped[str] = so.mapped_column(sa.String(120))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    item: so.Mapped[ContentItem] = so.relationship()


# What a change did to a synonym set; a deleted set keeps its revisions.
SYNONYM_ACTIONS = ("created", "updated", "deleted")


class SynonymSet(db.Model):
    """Terms that search treats as one: a query for any of them also finds the others, or, for a
    one-way set, a query for the first also finds the rest (not the reverse). Editors manage them;
    they are never part of the content."""

    __tablename__ = "synonym_sets"
    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version"),
        # Ids are never used again (SQLite would reuse the highest after a delete): the revisions
        # of a deleted set keep naming it alone.
        {"sqlite_autoincrement": True},
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # As editors wrote them; compared casefolded, without accents, with runs of spaces as one.
    terms: so.Mapped[list[str]] = so.mapped_column(sa.JSON)
    one_way: so.Mapped[bool] = so.mapped_column(default=False)
    version: so.Mapped[int] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    # Every UPDATE and DELETE checks the version it read: of two writers, the second one is told.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class SynonymRevision(db.Model):
    """A synonym set after one change, with who made it and why. No foreign key: the history of a
    deleted set stays."""

    __tablename__ = "synonym_revisions"
    __table_args__ = (
        sa.UniqueConstraint("synonym_set_id", "version"),
        _one_of("action", SYNONYM_ACTIONS, "action"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    synonym_set_id: so.Mapped[int] = so.mapped_column()
    version: so.Mapped[int] = so.mapped_column()
    action: so.Mapped[str] = so.mapped_column(sa.String(20))
    terms: so.Mapped[list[str]] = so.mapped_column(sa.JSON)
    one_way: so.Mapped[bool] = so.mapped_column()
    author: so.Mapped[str] = so.mapped_column(sa.String(120))
    person: so.Mapped[str] = so.mapped_column(sa.String(120))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token; only the sha256 of the token itself is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (_one_of("role", ROLES, "role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # Who holds it: four eyes compare people, and one person may hold several tokens.
    person: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class ReadinessCheck(db.Model):
    """One row that /readyz writes: the cheapest real write, so that a full disk or a read-only
    database shows as not ready before an editor's change fails on it."""

    __tablename__ = "readiness_checks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    checked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ContentGeneration(db.Model):
    """A single-row counter bumped by every write: list ETags and response caches key on it."""

    __tablename__ = "content_generation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    value: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
