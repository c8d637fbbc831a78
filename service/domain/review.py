"""Review before anything goes live: changes to a published item wait beside it until a second
person approves them, and published items are re-reviewed on a schedule.

An item's row is what the public sees once it is published. An editor's change to a published
item does not touch that row: it is a pending version, kept as a revision (a full snapshot,
numbered after every version so far) with the status `draft` or `in_review`. The newest revision,
when newer than the row, is the item's latest version; approving it applies it to the row through
the editing path, where the claim rules are checked, as on any publish. An item never published
(a draft, an archived one) changes in place, and is published by approval too.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from service.domain import claims
from service.domain.content import kind_of, snapshot
from service.domain.db import db
from service.domain.editing import apply_changes, commit_change, replacement, update_item
from service.domain.errors import ContentConflict, InvalidContent, NotAllowed, StaleVersion
from service.domain.models import ContentItem, Revision, utcnow


@dataclass(frozen=True)
class Writer:
    """Who makes a change: the token's name (a revision's author) and the person holding it."""

    author: str
    person: str


def pending_revision(item: ContentItem) -> Revision | None:
    """The newest version of a published item, when it is newer than the public one."""
    if item.status != "published":
        return None
    newest = db.session.scalar(
        sa.select(Revision).where(Revision.item_id == item.id).order_by(Revision.version.desc()).limit(1)
    )
    return newest if newest is not None and newest.version > item.version else None


def pending_as_read(item: ContentItem, read_version: int) -> Revision | None:
    """The pending version, when the latest version is still the one the writer read (If-Match):
    a change made to another one in between is refused (412)."""
    pending = pending_revision(item)
    if (pending.version if pending is not None else item.version) != read_version:
        raise StaleVersion(f"This {item.type} was changed by someone else; fetch it again.")
    return pending


def staged(item: ContentItem, pending: Revision) -> ContentItem:
    """The item as its pending version has it, in memory only: for reading it. The caller rolls
    the session back once done with it, so that none of it is ever written."""
    with db.session.no_autoflush:
        apply_changes(item, kind_of(item), pending.snapshot)
        # Read as `published_version`: the version readers see.
        item.public_version = item.version
        item.version = pending.version
        item.status = pending.status
        item.updated_at = pending.created_at
        item.unsupported_claims = claims.as_list(claims.unsupported_claims(item))
    return item


def propose_change(
    item: ContentItem,
    read_version: int,
    changes: dict[str, Any],
    writer: Writer,
    *,
    note: str | None = None,
    replace: bool = False,
    action: str = "updated",
) -> ContentItem:
    """An editor's change. A published item keeps its public version: the change becomes its
    newest version, a draft waiting for review (archiving alone is at once: it withdraws). Any
    other item changes in place.

    An edit (`action` "updated") that leaves the latest version as it is, a change waiting for
    review included, writes nothing: no version, no revision, no change in the feed, no new
    content generation. A restore is always a new version: it is asked for as one."""
    if replace:
        changes = replacement(item, changes)
    if changes.get("status") == "published":
        # A restored version that was published: publishing it again is an approval.
        changes = changes | {"status": "draft"}
    if item.status != "published" or changes.get("status") == "archived":
        if action == "updated" and _leaves_as_it_is(item, changes):
            return item
        return _in_place(item, read_version, changes, writer, note, None if action == "updated" else action)
    pending = pending_as_read(item, read_version)
    base = pending.snapshot if pending is not None else snapshot(item)
    version = (pending.version if pending is not None else item.version) + 1
    # Validated as a write to the item would be (links, quotes, unique names), then let go.
    with db.session.no_autoflush:
        apply_changes(item, kind_of(item), base | changes)
        state = snapshot(item)
    db.session.rollback()
    # The latest version's status stays unless the edit names another (a change to what is in
    # review, once made, is a draft again).
    if action == "updated" and state == base:
        return item
    return _add_pending(item, version, state | {"status": "draft"}, action, writer, note)


def _leaves_as_it_is(item: ContentItem, changes: dict[str, Any]) -> bool:
    """Whether the changes leave the item as it stands. They are validated as a write would be
    (links, quotes, unique names), then let go: the item is as it was loaded either way."""
    before = snapshot(item)
    with db.session.no_autoflush:
        apply_changes(item, kind_of(item), changes)
        after = snapshot(item)
    db.session.rollback()
    return after == before


def submit(item: ContentItem, read_version: int, writer: Writer, *, note: str | None = None) -> ContentItem:
    """A draft goes to review."""
    pending = pending_as_read(item, read_version)
    if pending is not None:
        _expect(pending.status, "draft", "submitted")
        state = pending.snapshot | {"status": "in_review"}
        return _add_pending(item, pending.version + 1, state, "submitted", writer, note)
    _expect(item.status, "draft", "submitted")
    return _in_place(item, read_version, {"status": "in_review"}, writer, note, "submitted")


def approve(item: ContentItem, read_version: int, writer: Writer, *, note: str | None = None) -> ContentItem:
    """A second person publishes what is in review; the claim rules are checked as on any publish."""
    pending = pending_as_read(item, read_version)
    _expect(pending.status if pending is not None else item.status, "in_review", "approved")
    if writer.person in authors_since_published(item):
        raise NotAllowed(
            f"{writer.person} wrote a version of this {item.type} since it was last published: "
            "another person approves it (four eyes)."
        )
    changes = (pending.snapshot if pending is not None else {}) | {"status": "published"}
    return _in_place(item, read_version, changes, writer, note, "published", reviewed=True)


def reject(item: ContentItem, read_version: int, writer: Writer, *, note: str | None) -> ContentItem:
    """What is in review goes back to draft, with a note saying why."""
    if not note:
        message = "Say why in a note (X-Change-Note or change_note): the editor needs it."
        raise InvalidContent(message, {"change_note": [message]})
    pending = pending_as_read(item, read_version)
    if pending is not None:
        _expect(pending.status, "in_review", "rejected")
        return _add_pending(
            item, pending.version + 1, pending.snapshot | {"status": "draft"}, "rejected", writer, note
        )
    _expect(item.status, "in_review", "rejected")
    return _in_place(item, read_version, {"status": "draft"}, writer, note, "rejected")


def confirm(item: ContentItem, read_version: int, writer: Writer, *, note: str | None = None) -> ContentItem:
    """A reviewer re-confirms a published item as it is: a review with no change of content."""
    if item.status != "published" or pending_as_read(item, read_version) is not None:
        raise ContentConflict(
            f"Only a published {item.type} with no change waiting is re-confirmed; "
            "approve the change instead."
        )
    return _in_place(item, read_version, {}, writer, note, "reviewed", reviewed=True)


# Steps that move a version on without writing it: the people who take them wrote nothing.
NOT_WRITING = ("submitted", "rejected", "reviewed")


def authors_since_published(item: ContentItem) -> set[str]:
    """The people who wrote any version of the item since its last published one."""
    last_published = (
        sa.select(sa.func.coalesce(sa.func.max(Revision.version), 0))
        .where(Revision.item_id == item.id, Revision.status == "published")
        .scalar_subquery()
    )
    return set(
        db.session.scalars(
            sa.select(Revision.person).where(
                Revision.item_id == item.id,
                Revision.version > last_published,
                Revision.action.not_in(NOT_WRITING),
            )
        )
    )


def next_review_due(reviewed_at: datetime | None, months: int) -> date | None:
    if reviewed_at is None:
        return None
    day = reviewed_at.date()
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    item: ContentItem
    reason: str  # "in_review" or "review_overdue"
    since: datetime


def reviews_due(months: int, today: date | None = None) -> list[Due]:
    """What waits for a reviewer, oldest first: changes in review, and published items whose
    review is older than the interval."""
    today = today or utcnow().date()
    due = []
    newest = (
        sa.select(Revision.item_id, sa.func.max(Revision.version).label("version"))
        .group_by(Revision.item_id)
        .subquery()
    )
    in_review = db.session.execute(
        sa.select(ContentItem, Revision.created_at)
        .join(newest, newest.c.item_id == ContentItem.id)
        .join(Revision, (Revision.item_id == ContentItem.id) & (Revision.version == newest.c.version))
        .where(Revision.status == "in_review")
    ).all()
    due += [Due(item, "in_review", since) for item, since in in_review]
    for item in db.session.scalars(sa.select(ContentItem).where(ContentItem.status == "published")):
        due_on = next_review_due(item.reviewed_at, months)
        if due_on is None or due_on <= today:
            since = datetime.combine(due_on, datetime.min.time(), tzinfo=UTC) if due_on else item.published_at
            due.append(Due(item, "review_overdue", since))
    return sorted(due, key=lambda entry: entry.since)


def _in_place(
    item: ContentItem,
    read_version: int,
    changes: dict,
    writer: Writer,
    note: str | None,
    action: str | None,
    reviewed: bool = False,
) -> ContentItem:
    """A change of the item itself, by the editing path; `reviewed`: the writer reviewed it. It is
    the version after the one the writer read: a pending version added meanwhile takes that number
    first, and this change is refused (412) rather than leave it behind unseen."""
    return update_item(
        item,
        changes,
        author=writer.author,
        person=writer.person,
        note=note,
        version=read_version + 1,
        action=action,
        reviewed_by=writer.person if reviewed else None,
    )


def _expect(status: str, wanted: str, step: str) -> None:
    if status != wanted:
        raise ContentConflict(
            f"Only what is {wanted.replace('_', ' ')} can be {step}; this is {status.replace('_', ' ')}."
        )


def _add_pending(
    item: ContentItem, version: int, state: dict, action: str, writer: Writer, note: str | None
) -> ContentItem:
    """A pending version, beside the public one: only a revision. Two writers who read the same
    version make the same version number, and the second one's is refused (412)."""
    db.session.add(
        Revision(
            item_id=item.id,
            version=version,
            action=action,
            status=state["status"],
            slug=state["slug"],
            snapshot=state,
            author=writer.author,
            person=writer.person,
            note=note,
        )
    )
    commit_change(item)
    return item
