"""Read queries: pages of items with everything they show loaded in a fixed number of statements."""

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from service.domain import public_items, search
from service.domain.content import KINDS, ContentKind
from service.domain.db import db
from service.domain.loading import load_options
from service.domain.models import (
    STATUSES,
    Citation,
    ContentItem,
    Revision,
    SlugRedirect,
)

PUBLIC = ("published",)
ALL_STATUSES = STATUSES


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int
    page: int
    page_size: int
    # The items are their stored public JSON (service.domain.public_items), not objects.
    stored: bool = False

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.page_size)


def list_items(kind: ContentKind, args: dict[str, Any], *, statuses: Sequence[str]) -> Page:
    """A page of items, narrowed by the kind's filters (each any of its values), `slug` and `q`, in
    the `sort` asked for; with `fields`, only what those fields show is loaded."""
    whole_public_list = tuple(statuses) == PUBLIC and not args.keys() & {"fields", "slug", "q", *kind.filters}
    if whole_public_list and (page := _stored_page(kind, args)) is not None:
        return page
    model = kind.model
    # The type is implied by the subtype's table, but said, it lets the (type, status) index work.
    of_kind = [model.type == kind.type, model.status.in_(statuses)]
    filters = [
        condition(args[name], statuses) for name, (_, condition) in kind.filters.items() if name in args
    ]
    if "slug" in args:
        filters.append(model.slug.in_(args["slug"]))
    conditions = of_kind + filters
    query = sa.select(model).where(*conditions)
    ordering = order_by(kind, args.get("sort"))
    if "q" in args:
        lexicon = search.lexicon()
        query_plan = search.plan(args["q"], lexicon)
        if not query_plan.groups:
            return Page([], 0, args["page"], args["page_size"])
        matches = search.ranked(query_plan, lexicon, statuses=statuses, type=kind.type)
        query = query.join(matches, matches.c.item_id == model.id)
        if not args.get("sort"):
            ordering = [matches.c.rank.desc(), model.id.asc()]
    if filters or "q" in args:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    else:
        # Every item has its row in its kind's table: the (type, status) index alone counts them.
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ContentItem).where(*of_kind))
    page, page_size = args["page"], args["page_size"]
    offset = (page - 1) * page_size
    if "q" in args:
        query = query.order_by(*ordering).limit(page_size).offset(offset)
    else:
        # A deep page skips its offset on the ids alone, then reads only its own rows in full.
        page_ids = (
            sa.select(model.id)
            .select_from(model)
            .where(*conditions)
            .order_by(*ordering)
            .limit(page_size)
            .offset(offset)
            .subquery("page_ids")
        )
        query = sa.select(model).join(page_ids, page_ids.c.id == model.id).order_by(*ordering)
    if tuple(statuses) == PUBLIC and "fields" not in args:
        # The public JSON of the whole items, as stored: unless one is not rendered yet.
        stored = query.with_only_columns(public_items.public_items.c.body).outerjoin(
            public_items.public_items, public_items.public_items.c.item_id == model.id
        )
        bodies = db.session.scalars(stored).all()
        if None not in bodies:
            return Page(bodies, total or 0, page, page_size, stored=True)
    items = db.session.scalars(query.options(*load_options(kind, statuses, args.get("fields")))).all()
    return Page(items, total or 0, page, page_size)


def _stored_page(kind: ContentKind, args: dict[str, Any]) -> Page | None:
    """A page of a whole list, as its items' stored public JSON: None if one is not rendered yet."""
    count, bodies = _stored_page_statements(kind.type, args.get("sort") or kind.default_sort)
    page, page_size = args["page"], args["page_size"]
    rows = db.session.execute(bodies, {"limit": page_size, "offset": (page - 1) * page_size}).all()
    if any(body is None for body, _ in rows):
        return None
    # Each row carries the count; a page past the end has no row to carry it.
    total = rows[0].total if rows else db.session.scalar(count)
    return Page([body for body, _ in rows], total or 0, page, page_size, stored=True)


@functools.cache
def _stored_page_statements(kind_type: str, sort: str) -> tuple[sa.Select, sa.Select]:
    """The count and the page of a whole public list (with the count on every row: one round
    trip), built once: the most read list is its first page, and building a statement cost more
    than running it."""
    kind = KINDS[kind_type]
    model = kind.model
    of_kind = (ContentItem.type == kind.type, ContentItem.status == "published")
    count = sa.select(sa.func.count()).select_from(ContentItem).where(*of_kind)
    ordering = order_by(kind, sort)
    # A deep page skips its offset on the ids alone, then reads only its own bodies. Ordered by a
    # column of content_items (a name, a slug, a date), it skips on that table's index alone, with
    # no join of the kind's own table for every row skipped.
    field = sort.lstrip("-")
    skipped = ContentItem if field == kind.title_field or field in ContentItem.__table__.c else model
    page_ids = (
        sa.select(skipped.id)
        .select_from(skipped)
        .where(*of_kind)
        .order_by(*ordering)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery("page_ids")
    )
    bodies = (
        sa.select(public_items.public_items.c.body, count.scalar_subquery().label("total"))
        .select_from(model)
        .join(page_ids, page_ids.c.id == model.id)
        .outerjoin(public_items.public_items, public_items.public_items.c.item_id == model.id)
        .order_by(*ordering)
    )
    return count, bodies


def order_by(kind: ContentKind, sort: str | None) -> list[sa.ColumnElement]:
    sort = sort or kind.default_sort
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    # A title (a name, a question) sorts whatever its case, by its key: "Cancer vaccines" before
    # "CAR T-cell therapy", alike on both databases, in the order of an index.
    if field == kind.title_field:
        column = ContentItem.title_key
    else:
        # A column every kind has is content_items' own: it sorts that table alone.
        column = getattr(ContentItem if field in ContentItem.__table__.c else kind.model, field)
    # The id breaks ties, so that pages never overlap or skip an item.
    return [column.desc() if descending else column.asc(), ContentItem.id.asc()]


def search_all(
    args: dict[str, Any], *, statuses: Sequence[str], search_generation: int | None = None
) -> tuple[Page, str | None]:
    """Ranked hits across every content type, each with a snippet, and the query as corrected
    when a correction was used."""
    lexicon = search.lexicon(search_generation)
    query_plan = search.plan(args["q"], lexicon)
    hits, total = search.search(
        query_plan,
        lexicon,
        statuses=statuses,
        type=args.get("type"),
        page=args["page"],
        page_size=args["page_size"],
    )
    return Page(hits, total, args["page"], args["page_size"]), query_plan.corrected


def find_item(kind: ContentKind, slug: str, *, statuses: Sequence[str]) -> ContentItem | None:
    model = kind.model
    query = sa.select(model).where(model.slug == slug, model.status.in_(statuses))
    return db.session.scalar(query.options(*load_options(kind, statuses)))


def redirected_slug(kind: ContentKind, old_slug: str, *, statuses: Sequence[str]) -> str | None:
    """The current slug of an item once known as `old_slug`, if the reader may see it."""
    return db.session.scalar(
        sa.select(ContentItem.slug)
        .join(SlugRedirect, SlugRedirect.item_id == ContentItem.id)
        .where(SlugRedirect.type == kind.type, SlugRedirect.old_slug == old_slug)
        .where(ContentItem.status.in_(statuses))
    )


def item_versions(kind: ContentKind, slug: str, *, statuses: Sequence[str]) -> list[sa.Row]:
    """(link, id, version, updated_at) of the item (link 0) and every item it links to or cites
    (link 1) that the reader may see: all an item's validator needs, in one statement. Empty when
    the reader may not see the item."""
    return db.session.execute(
        _versions_statement(kind.type), {"slug": slug, "statuses": list(statuses)}
    ).all()


@functools.cache
def _versions_statement(kind_type: str) -> sa.CompoundSelect:
    # Built once per kind, with the slug and statuses as parameters: building it costs more than
    # running it.
    kind = KINDS[kind_type]
    statuses = sa.bindparam("statuses", expanding=True)
    item = sa.select(ContentItem.id).where(
        ContentItem.type == kind.type,
        ContentItem.slug == sa.bindparam("slug"),
        ContentItem.status.in_(statuses),
    )
    columns = (ContentItem.id, ContentItem.version, ContentItem.updated_at)
    parts = [sa.select(sa.literal(0).label("link"), *columns).where(ContentItem.id.in_(item))]
    for name in kind.shown_relationships:
        relationship = getattr(kind.model, name).property
        ((_, own_column),) = relationship.synchronize_pairs
        ((_, linked_column),) = relationship.secondary_synchronize_pairs
        linked = so.aliased(ContentItem)
        # Only the links the reader is shown: a hidden linked draft changes nothing they see. Each
        # once, though it cites a source twice.
        parts.append(
            sa.select(sa.literal(1).label("link"), linked.id, linked.version, linked.updated_at)
            .join(relationship.secondary, linked_column == linked.id)
            .where(own_column.in_(item), linked.status.in_(statuses))
            .distinct()
        )
    if kind.cites:
        # The sources it cites: its JSON-LD names them.
        source = so.aliased(ContentItem)
        parts.append(
            sa.select(sa.literal(1).label("link"), source.id, source.version, source.updated_at)
            .join(Citation, Citation.source_id == source.id)
            .where(Citation.item_id.in_(item), source.status.in_(statuses))
            .distinct()
        )
    return sa.union_all(*parts)


def changes_since(cursor: int, limit: int) -> tuple[list[tuple[Revision, str]], bool]:
    """Revisions after the cursor, in commit order, that a public mirror may know of, each with the
    slug the public knew the item by at that point.

    A change shows once its item has been public: a draft never published stays out of the feed,
    and every later change is listed, so that a mirror also learns when an item is withdrawn. A
    withdrawn item shows the slug it was last published under, never one it took while hidden.
    """
    published = so.aliased(Revision)
    public_slug = (
        sa.select(published.slug)
        .where(
            published.item_id == Revision.item_id,
            published.id <= Revision.id,
            published.status == "published",
        )
        .order_by(published.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(Revision, public_slug)
        .join(ContentItem, ContentItem.id == Revision.item_id)
        # A version waiting for review (draft, in review) is not public: only what is published or
        # withdrawn reaches mirrors.
        .where(Revision.id > cursor, public_slug.is_not(None), Revision.status.in_(("published", "archived")))
        .order_by(Revision.id)
        .limit(limit + 1)
        .options(so.contains_eager(Revision.item))
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    return rows[:limit], len(rows) > limit


def list_revisions(item: ContentItem, *, page: int, page_size: int) -> Page:
    """An item's revisions, newest first."""
    total = db.session.scalar(sa.select(sa.func.count(Revision.id)).where(Revision.item_id == item.id))
    revisions = db.session.scalars(
        sa.select(Revision)
        .where(Revision.item_id == item.id)
        .order_by(Revision.version.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return Page(revisions, total or 0, page, page_size)


def find_revision(item: ContentItem, version: int) -> Revision | None:
    return db.session.scalar(sa.select(Revision).filter_by(item_id=item.id, version=version))
