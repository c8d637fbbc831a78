"""Published items as the public reads them, rendered once when they change, not on every read.

`public_items` holds the JSON of every published item, exactly as a read of it answers, with an
ETag made from those bytes and the time they last changed. An anonymous read of an item, or of a
page of a list, is then a select of stored JSON: no links loaded, nothing serialized.

The editing path marks every item whose public JSON a change alters (`mark`): the item itself; the
items whose links show it, when it is created, renamed, published or withdrawn, or a link is
added or removed; the sources whose `cited_by` counts its citations. They are rendered again
when the transaction commits, in it, each once however many changes of the transaction touched
it (a batch of the seed). A rendering that comes out the same bytes writes nothing; one that does
not bumps its type's public generation (service.domain.generation), as `touch` does for search,
synonyms and the change feed.

Only the whole JSON is stored: a selection of fields (`fields=`), JSON-LD, and editors' reads
(which show drafts) are rendered when asked for.
"""

import hashlib
from collections.abc import Callable, Collection, Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from service.domain.content import KINDS
from service.domain.db import db
from service.domain.generation import bump_public
from service.domain.loading import load_options
from service.domain.models import ContentItem, UTCDateTime

public_items = sa.Table(
    "public_items",
    db.metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("etag", sa.String(32), nullable=False),
    sa.Column("modified_at", UTCDateTime, nullable=False),
)

PUBLIC = ("published",)
# Items rendered per statement: far below either database's limit of bound parameters.
CHUNK = 500
_MARKED = "public_items.marked"
_TOUCHED = "public_items.touched"

# Set by the web layer (create_app): the item as its route's schema serializes it, as JSON text,
# and when what it shows last changed (its Last-Modified).
Renderer = Callable[[ContentItem], tuple[str, datetime]]
_renderer: list[Renderer] = []


def set_renderer(render: Renderer) -> None:
    _renderer[:] = [render]


def etag_of(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def mark(items: Iterable[ContentItem]) -> None:
    """Render these items' public JSON again when the current transaction commits."""
    db.session.info.setdefault(_MARKED, set()).update(item.id for item in items)


def touch(scopes: Iterable[str]) -> None:
    """Bump these public scopes' generations when the current transaction commits: for what is
    public but not an item's JSON (search, synonyms, the change feed)."""
    db.session.info.setdefault(_TOUCHED, set()).update(scopes)


@sa.event.listens_for(so.Session, "before_commit")
def _publish(session: so.Session) -> None:
    if marked := session.info.pop(_MARKED, None):
        render(session, marked)
    if touched := session.info.pop(_TOUCHED, None):
        bump_public(session, touched)


@sa.event.listens_for(so.Session, "after_rollback")
def _forget(session: so.Session) -> None:
    session.info.pop(_MARKED, None)
    session.info.pop(_TOUCHED, None)


def render(session: so.Session, item_ids: Collection[int]) -> int:
    """Store the public JSON of these items as they stand in the session's transaction (and drop
    it for those not published), and bump the generations of the types whose JSON changed.
    Returns how many stored bodies changed."""
    session.flush()
    ids = sorted(item_ids)
    changed: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        types, fresh = _fresh_bodies(session, chunk)
        connection = session.connection()
        tags = sa.select(public_items.c.item_id, public_items.c.etag)
        stored = dict(connection.execute(tags.where(public_items.c.item_id.in_(chunk))).all())
        rows = [
            {"item_id": item_id, "body": body, "etag": etag_of(body), "modified_at": modified_at}
            for item_id, (body, modified_at) in fresh.items()
            if stored.get(item_id) != etag_of(body)
        ]
        # Those no longer published, and those rendered anew, go; the new renderings come in.
        outdated = [row["item_id"] for row in rows if row["item_id"] in stored]
        withdrawn = [item_id for item_id in stored if item_id not in fresh]
        if gone := outdated + withdrawn:
            connection.execute(sa.delete(public_items).where(public_items.c.item_id.in_(gone)))
        if rows:
            connection.execute(sa.insert(public_items), rows)
        changed |= {item_id: types[item_id] for item_id in [row["item_id"] for row in rows] + withdrawn}
    if changed:
        bump_public(session, set(changed.values()))
    return len(changed)


def _fresh_bodies(
    session: so.Session, ids: list[int]
) -> tuple[dict[int, str], dict[int, tuple[str, datetime]]]:
    """The type of each of these items, and the public JSON of those published, rendered now,
    with its Last-Modified."""
    if not _renderer:
        raise RuntimeError("No renderer: the web layer sets it when the app is made.")
    bodies = {}
    # A session of its own on the same connection: it sees this transaction's writes, and loads
    # links as the public sees them (published only) without touching the objects in hand.
    with so.Session(bind=session.connection(), autoflush=False) as reader:
        rows = reader.execute(
            sa.select(ContentItem.id, ContentItem.type, ContentItem.status).where(ContentItem.id.in_(ids))
        ).all()
        published = [(item_id, type_) for item_id, type_, status in rows if status == "published"]
        for kind in KINDS.values():
            if of_kind := [item_id for item_id, type_ in published if type_ == kind.type]:
                query = sa.select(kind.model).where(kind.model.id.in_(of_kind))
                for item in reader.scalars(query.options(*load_options(kind, PUBLIC))):
                    bodies[item.id] = _renderer[0](item)
    return {item_id: type_ for item_id, type_, _status in rows}, bodies


def problems(session: so.Session) -> list[str]:
    """Where the stored JSON is not what the items render as now: `flask check`."""
    ids = session.scalars(sa.select(ContentItem.id).order_by(ContentItem.id)).all()
    stored = dict(session.execute(sa.select(public_items.c.item_id, public_items.c.body)).all())
    found = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _types, fresh = _fresh_bodies(session, chunk)
        for item_id in chunk:
            if stored.get(item_id) != (fresh[item_id][0] if item_id in fresh else None):
                what = "missing" if item_id not in stored else "stale" if item_id in fresh else "unpublished"
                found.append(f"item {item_id}: its stored public JSON is {what}")
    found += [f"stored public JSON {item_id} belongs to no item" for item_id in stored.keys() - set(ids)]
    return found


def render_all(session: so.Session) -> int:
    """Every item rendered again: after a change of what the JSON is made of (a setting, a
    schema), or to fill the table after its migration. Returns how many bodies changed."""
    return render(session, session.scalars(sa.select(ContentItem.id)).all())


def read_item(type_: str, slug: str) -> sa.Row | None:
    """(body, etag, modified_at) of a published item, or None: not published, not there, or not
    rendered yet."""
    return db.session.execute(_READ_ITEM, {"type": type_, "slug": slug}).first()


# Built once: building a statement costs more than running it.
_READ_ITEM = (
    sa.select(public_items.c.body, public_items.c.etag, public_items.c.modified_at)
    .join(ContentItem, ContentItem.id == public_items.c.item_id)
    .where(
        ContentItem.type == sa.bindparam("type"),
        ContentItem.slug == sa.bindparam("slug"),
        ContentItem.status == "published",
    )
)


def stored_etag(item_id: int) -> str | None:
    return db.session.scalar(sa.select(public_items.c.etag).where(public_items.c.item_id == item_id))
