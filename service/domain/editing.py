"""The one editing path: every create, update, archive and restore of content, and the seed, go here.

Each change, in one transaction: bumps the content generation (first, so that concurrent writers
queue on that row and revisions are numbered in commit order), applies the fields, resolves links
and citations, renders Markdown with its footnotes, checks the claims (a version that would be
public with a claim its citations do not back is refused), bumps `version` (the UPDATE checks the
version it read), writes a revision with a full snapshot and updates the search index.
"""

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from service.domain import claims, public_items, search
from service.domain.content import KINDS, ContentKind, kind_of, snapshot
from service.domain.db import db
from service.domain.errors import (
    CommitOutcomeUnknown,
    ContentConflict,
    InvalidContent,
    StaleVersion,
)
from service.domain.generation import bump_generation
from service.domain.models import (
    Citation,
    ContentItem,
    Revision,
    SlugRedirect,
    Source,
    utcnow,
)
from service.domain.rendering import render_markdown
from service.domain.text import slugify

MIN_QUOTE_LENGTH = 20


def create_item(
    kind: ContentKind,
    data: dict[str, Any],
    *,
    author: str,
    person: str | None = None,
    note: str | None = None,
    commit: bool = True,
    check_claims: bool = True,
    reviewed_by: str | None = None,
) -> ContentItem:
    """Create an item.

    `commit=False` leaves the transaction open and `check_claims=False` leaves the claims to a
    check of the whole batch (`check_published`), for loading many items that back each other.
    """
    bump_generation(db.session)
    item = kind.model(status="draft", **{name: data[name] for name in kind.fixed_fields if name in data})
    data = dict(data)
    if "slug" not in data:
        data["slug"] = slugify(data.get(kind.title_field) or "")
        if not data["slug"]:
            field = kind.title_field
            message = f"No slug can be made from this {field}: send a `slug` of letters, digits and hyphens."
            raise InvalidContent(message, {"slug": [message]})
    if "position" in kind.fields and data.get("position") is None:
        # A new FAQ goes to the end of the list.
        last = db.session.scalar(sa.select(sa.func.max(kind.model.position)))
        data["position"] = (last or 0) + 1
    apply_changes(item, kind, data)
    db.session.add(item)
    return _save(
        item,
        "created",
        author,
        person,
        note,
        commit=commit,
        check_claims=check_claims,
        reviewed_by=reviewed_by,
    )


def update_item(
    item: ContentItem,
    changes: dict[str, Any],
    *,
    author: str,
    person: str | None = None,
    note: str | None = None,
    action: str | None = None,
    commit: bool = True,
    check_claims: bool = True,
    reviewed_by: str | None = None,
    version: int | None = None,
) -> ContentItem:
    """Change the item itself: what the public sees when it is published. Editors' changes to a
    published item wait for review instead (service.domain.review.propose_change)."""
    kind = kind_of(item)
    if fixed := [name for name in kind.fixed_fields if name in changes]:
        raise InvalidContent(kind.fixed_because, {name: [kind.fixed_because] for name in fixed})
    bump_generation(db.session)
    if kind.cited and changes.get("status", "published") != "published":
        # After the bump: writers queue on it, so no citation of this source commits meanwhile.
        _refuse_if_cited(item)
    before = item.status
    # Read before the changes: queries while applying them flush, and a flush forgets what was.
    shown_before = _Shown.of(item)
    apply_changes(item, kind, changes)
    if action is None:
        # Publishing and archiving are named apart, so that mirrors of the content can act on them.
        action = item.status if item.status != before and item.status != "draft" else "updated"
    return _save(
        item,
        action,
        author,
        person,
        note,
        commit=commit,
        check_claims=check_claims,
        version=version,
        reviewed_by=reviewed_by,
        shown_before=shown_before,
    )


def replacement(item: ContentItem, content: dict[str, Any]) -> dict[str, Any]:
    """A replacement's changes: the content sent, and every optional content field left out back to
    its default (no body, no examples, no links, no citations). Status and slug stay unless sent."""
    return copy.deepcopy(kind_of(item).defaults) | content


def archive_item(
    item: ContentItem, *, author: str, person: str | None = None, note: str | None = None
) -> ContentItem:
    """Withdraw the item at once. Archiving what is archived already writes nothing."""
    if item.status == "archived":
        return item
    return update_item(
        item, {"status": "archived"}, author=author, person=person, note=note, action="archived"
    )


def latest_version(item: ContentItem) -> int:
    """The newest version of the item: its own, or a newer one waiting for review."""
    with db.session.no_autoflush:
        newest = db.session.scalar(
            sa.select(sa.func.max(Revision.version)).where(Revision.item_id == item.id)
        )
    return max(newest or 0, item.version or 0)


def check_published(items: list[ContentItem]) -> dict[str, dict[str, list[str]]]:
    """Check the claims of a batch written with `check_claims=False`: what each published item
    lacks, by "type slug". Each item's `unsupported_claims` is brought up to date: it is derived
    from the batch as a whole, so it changes no version."""
    found = {}
    for item in items:
        problems = claims.unsupported_claims(item)
        _record_unsupported(item, problems)
        if problems and item.status == "published":
            found[f"{item.type} {item.slug}"] = problems
    return found


def _record_unsupported(item: ContentItem, problems: dict[str, list[str]]) -> None:
    """Keep what the item lacks. It is derived from the item and what it links to, not an edit:
    it is written apart from the item's UPDATE, so that it bumps no version."""
    listed = claims.as_list(problems)
    if listed != item.unsupported_claims:
        db.session.execute(
            sa.update(ContentItem).where(ContentItem.id == item.id).values(unsupported_claims=listed)
        )
        set_committed_value(item, "unsupported_claims", listed)


def latest_revision(item: ContentItem) -> Revision | None:
    return db.session.scalar(
        sa.select(Revision).filter_by(item_id=item.id).order_by(Revision.version.desc()).limit(1)
    )


def apply_changes(item: ContentItem, kind: ContentKind, data: dict[str, Any]) -> None:
    """Set the fields given on the item, in memory, checking each (links, quotes, unique names);
    nothing is written until the item is saved."""
    # Queries below must not flush a half-applied item.
    with db.session.no_autoflush:
        for name in kind.fields:
            if name in data:
                setattr(item, name, data[name])
        for name in kind.markdown_fields:
            if name in data:
                if claims.FOOTNOTE_DEFINITION.search(data[name]):
                    message = "Write only footnote markers [^id]: each footnote is made from its citation."
                    raise InvalidContent(message, {name: [message]})
                setattr(item, f"{name}_markdown", data[name])
        for name, linked_type in kind.links.items():
            if name in data:
                _set_links(item, name, _resolve_links(name, linked_type, data[name]))
        if "sources" in data:
            item.citations = _citations(kind, data["sources"])
        if "slug" in data and data["slug"] != item.slug:
            _change_slug(item, kind, data["slug"])
        if any(name in data for name in (*kind.markdown_fields, "sources", "slug")):
            # Footnotes quote the citations, and their anchors carry the slug.
            for name in kind.markdown_fields:
                markdown = getattr(item, f"{name}_markdown") or ""
                anchor = f"{kind.type}-{item.slug}"
                setattr(item, f"{name}_html", render_markdown(markdown, item.citations, anchor=anchor))
        if "status" in data:
            item.status = data["status"]
        _check_unique(item, kind)


def _resolve_links(field: str, linked_type: str, slugs: list[str]) -> list[ContentItem]:
    model = KINDS[linked_type].model
    wanted = list(dict.fromkeys(slugs))
    found = {
        linked.slug: linked for linked in db.session.scalars(sa.select(model).where(model.slug.in_(wanted)))
    }
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        # A revision may name an item by a slug it has since been renamed from.
        redirects = db.session.execute(
            sa.select(SlugRedirect.old_slug, model)
            .join(model, model.id == SlugRedirect.item_id)
            .where(SlugRedirect.type == linked_type, SlugRedirect.old_slug.in_(missing))
        )
        found.update({old_slug: linked for old_slug, linked in redirects})
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        names = ", ".join(f"'{slug}'" for slug in unknown)
        raise InvalidContent(
            f"Unknown {linked_type} slug: {names}.", {field: [f"No {linked_type} has the slug {names}."]}
        )
    return [found[slug] for slug in wanted]


def _set_links(item: ContentItem, name: str, linked: list[ContentItem]) -> None:
    if sa.inspect(type(item)).relationships[name].back_populates is None:
        # A link between two items of one kind is one row each way, so that both ends read it.
        if item in linked:
            message = f"A {item.type} cannot link to itself."
            raise InvalidContent(message, {name: [message]})
        before = list(getattr(item, name))
        for other in before:
            if other not in linked:
                getattr(other, name).remove(item)
        for other in linked:
            if other not in before:
                getattr(other, name).append(item)
    setattr(item, name, linked)


def _refuse_if_cited(item: ContentItem) -> None:
    """A source that items cite stays published: their quotes would rest on nothing readers see."""
    citing = db.session.execute(
        sa.select(ContentItem.type, ContentItem.slug)
        .join(Citation, Citation.item_id == ContentItem.id)
        .where(Citation.source_id == item.id)
        .distinct()
        .order_by(ContentItem.type, ContentItem.slug)
    ).all()
    if citing:
        names = ", ".join(f"{type_} '{slug}'" for type_, slug in citing)
        raise ContentConflict(
            f"This {item.type} is cited by {names}: it stays published until no item cites it."
        )


def _citations(kind: ContentKind, citations: list[dict[str, Any]]) -> list[Citation]:
    slugs = {citation["source"] for citation in citations}
    # Only a published source backs a claim: a draft's or an archived one's text is not public.
    published = sa.select(Source).where(Source.slug.in_(slugs), Source.status == "published")
    sources = {s.slug: s for s in db.session.scalars(published)}
    if missing := slugs - sources.keys():
        # A revision may name a source by a slug it has since been renamed from.
        renamed = sa.select(SlugRedirect.old_slug, Source).join(Source, Source.id == SlugRedirect.item_id)
        renamed = renamed.where(
            SlugRedirect.type == "source", SlugRedirect.old_slug.in_(missing), Source.status == "published"
        )
        sources.update({old_slug: source for old_slug, source in db.session.execute(renamed)})
    errors: dict[int, dict[str, list[str]]] = {}
    for index, citation in enumerate(citations):
        source, quote = sources.get(citation["source"]), citation["quote"]
        if source is None:
            errors[index] = {"source": [f"No published source has the slug '{citation['source']}'."]}
        elif len(quote) < MIN_QUOTE_LENGTH:
            errors[index] = {"quote": [f"A quote must be at least {MIN_QUOTE_LENGTH} characters long."]}
        elif quote not in source.text:
            errors[index] = {"quote": [f"The quote is not a passage of '{source.slug}': {quote!r}."]}
        if unknown := claims.support_errors(kind, citation.get("supports", [])):
            errors.setdefault(index, {})["supports"] = unknown
    if errors:
        raise InvalidContent("A citation does not match its source or its item.", {"sources": errors})
    return [
        Citation(
            source=sources[c["source"]],
            quote=c["quote"],
            position=position,
            key=c.get("id") or str(position + 1),
            supports=list(dict.fromkeys(c.get("supports", []))),
        )
        for position, c in enumerate(citations)
    ]


def _change_slug(item: ContentItem, kind: ContentKind, new_slug: str) -> None:
    if item.slug:
        # The slug it leaves redirects to it, whichever item it redirected to before.
        db.session.execute(sa.delete(SlugRedirect).filter_by(type=kind.type, old_slug=item.slug))
        db.session.add(SlugRedirect(type=kind.type, old_slug=item.slug, item_id=item.id))
    # The new slug may be another item's old one: the live item wins in URLs, and the redirect
    # stays, so that the citations naming that item by it still back their links.
    item.slug = new_slug


def _check_unique(item: ContentItem, kind: ContentKind) -> None:
    """The slug is unique per type; the title too, where its column says so (two editions of a
    source may share one)."""
    model = kind.model
    title_column = getattr(model, kind.title_field)
    title = getattr(item, kind.title_field)
    title_clash = title_column == title if model.__table__.c[kind.title_field].unique else sa.false()
    clash = db.session.execute(
        sa.select(model.slug, title_column)
        .where(sa.or_(model.slug == item.slug, title_clash))
        .where(model.id != item.id if item.id is not None else sa.true())
        .limit(1)
    ).first()
    if clash is not None:
        field = "slug" if clash[0] == item.slug else kind.title_field
        value = item.slug if field == "slug" else title
        raise ContentConflict(f"Another {kind.type} already has the {field} {value!r}.")


def _save(
    item: ContentItem,
    action: str,
    author: str,
    person: str | None,
    note: str | None,
    *,
    commit: bool = True,
    check_claims: bool = True,
    version: int | None = None,
    reviewed_by: str | None = None,
    shown_before: "_Shown | None" = None,
) -> ContentItem:
    """Write the change: its times, its version, its revision, its search entry, and the public
    JSON of the items it shows in (rendered at commit). `reviewed_by`: the person who reviewed
    this version (an approval, a re-confirmation, the seed). `shown_before`: what the item showed
    of itself, and where, before the change (None for a new item)."""
    session = db.session
    # One moment for the whole change: left to the column's default, a new item's created_at
    # would be read at its INSERT, after updated_at.
    now = utcnow()
    if item.created_at is None:
        item.created_at = now
    if item.status == "published" and item.published_at is None:
        item.published_at = now
    item.updated_at = now
    if reviewed_by is not None:
        item.reviewed_at, item.reviewed_by = now, reviewed_by
    # After every version so far, pending ones included, unless the caller says which: the UPDATE
    # checks the version it read, and the revision's number is unique.
    if version is None:
        version = 1 if item.id is None else latest_version(item) + 1
    item.version = version
    others = _other_ends(item) if item.id is not None else set()
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise changed_meanwhile(item.type) from None
    except IntegrityError:
        session.rollback()
        raise ContentConflict(f"The slug or {kind_of(item).title_field} is already taken.") from None
    if others:
        # Their representations changed now too: a Last-Modified made of them never goes back.
        touched = sa.update(ContentItem).where(ContentItem.id.in_([other.id for other in others]))
        session.execute(touched.values(updated_at=now))
    # After the flush, so that the claims are read as written (a new old slug included), and what
    # it links to read again: after the generation's bump, where writers queue, another writer's
    # publish of a linked item is seen.
    for field in kind_of(item).links:
        for linked in getattr(item, field):
            session.expire(linked)
    problems = claims.unsupported_claims(item)
    if problems and item.status == "published" and check_claims:
        session.rollback()
        count = sum(len(found) for found in problems.values())
        raise InvalidContent(
            f"This {item.type} cannot be published: {count} of its claims lack a citation that backs "
            "them. Each is named under `claims`.",
            {"claims": problems},
        )
    _record_unsupported(item, problems)
    session.add(
        Revision(
            item_id=item.id,
            version=item.version,
            action=action,
            status=item.status,
            slug=item.slug,
            snapshot=snapshot(item),
            author=author,
            person=person or author,
            note=note,
        )
    )
    search.index_item(item)
    public_items.mark({item} | _shown_in(item, shown_before))
    public_items.touch(_public_scopes(item))
    if commit:
        commit_change(item)
    return item


def _other_ends(item: ContentItem) -> set[ContentItem]:
    """The items whose public representations this change alters though it does not change them:
    those a published item no longer links to or cites, and every item it links to (which showed
    it) or cites (which counted it) when it is withdrawn. Read from the changes not yet flushed.
    (Reads with a token are never stored by a cache, so only what the public sees counts.)"""
    kind, state = kind_of(item), sa.inspect(item)
    was = state.attrs.status.history.deleted
    if (was[0] if was else item.status) != "published":
        return set()
    withdrawn = item.status != "published"
    others: set[ContentItem] = set()
    for name in kind.links:
        others.update(state.attrs[name].history.deleted)
        if withdrawn:
            others.update(getattr(item, name))
    if kind.cites:
        cited = {citation.source for citation in item.citations}
        others.update({citation.source for citation in state.attrs.citations.history.deleted} - cited)
        if withdrawn:
            others.update(cited)
    return others


def _public_scopes(item: ContentItem) -> set[str]:
    """What public scopes a change alters besides items' JSON: the change feed, which lists the
    changes of published and withdrawn items; and for a source, every item's JSON-LD that cites
    it (it shows the source's title, author and dates)."""
    if item.status not in ("published", "archived"):
        return set()
    kind = kind_of(item)
    return {"changes"} | ({other.type for other in KINDS.values() if other.cites} if kind.cited else set())


@dataclass(frozen=True)
class _Shown:
    """What other items' public JSON shows of an item (its slug, name and whether it is
    published), and the items that show it: those it links to, the sources it cites (their
    `cited_by` counts it), or for a source the items citing it (their citations name it)."""

    face: tuple
    ends: frozenset[ContentItem]

    @classmethod
    def of(cls, item: ContentItem) -> "_Shown":
        kind = kind_of(item)
        ends = {linked for name in kind.shown_relationships for linked in getattr(item, name)}
        if kind.cites:
            ends.update(citation.source for citation in item.citations)
        return cls((item.slug, item.title, item.status == "published"), frozenset(ends))


def _shown_in(item: ContentItem, before: _Shown | None) -> set[ContentItem]:
    """The other items whose public JSON a change may alter: where the item is added or removed,
    and everywhere it shows when it is new or its face changes."""
    after = _Shown.of(item)
    if before is None or before.face != after.face:
        return set(before.ends | after.ends if before else after.ends)
    return set(before.ends ^ after.ends)


def commit_change(item: ContentItem) -> None:
    """Commit a change of the item. Two writers of the same version: the second is told (412)."""
    commit_versioned(item.type)


def commit_versioned(what: str) -> None:
    """Commit a change of anything versioned, named `what` in a refusal. Two writers of the same
    version (a version the UPDATE no longer finds, or a revision's number taken): the second is
    told (412)."""
    session = db.session
    try:
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        raise changed_meanwhile(what) from None
    except DBAPIError as error:
        session.rollback()
        # A connection lost mid-commit leaves the outcome with the server; any other failure
        # (a lock, a conflict) means the transaction was not committed.
        if error.connection_invalidated:
            raise CommitOutcomeUnknown from error
        raise


def changed_meanwhile(what: str) -> StaleVersion:
    """The refusal of a change made to a version that is no longer the latest (412)."""
    return StaleVersion(f"This {what} was changed by someone else; fetch it again.")
