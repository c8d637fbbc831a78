"""Conditional requests, in one place: strong ETags made from cheap data (generations, item
versions, stored JSON), 304 for If-None-Match (and If-Modified-Since where Last-Modified is sent), 428 and
412 for If-Match, and the caching headers.

A tag of a compressed response (`"abc:gzip"`) arrives here as the tag itself (compression.py);
a tag of a selection of fields (`fields=...`) names the item's version as well as the full one's.

flask-smorest's `etag` would hash the data we give it on every request and compare it whole; ours
are made from versions read in one statement, accept either representation of an item in
If-Match, and the response cache in front of Flask checks them without Flask.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, request
from flask_smorest import abort
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, parse_set_header

from service.domain import public_items, queries, review
from service.domain.content import KINDS, ContentKind, kind_of
from service.domain.db import db
from service.domain.generation import read_generation
from service.domain.models import ContentItem
from service.settings import Settings
from service.web.auth import current_token, sends_token
from service.web.health_representation import ETAG_SUFFIXES
from service.web.paths import API_PREFIX, HEALTH_PATHS
from service.web.selection import full_etag, selection_etag

# Where the response cache leaves the generation it read, so that the request reads it only once.
GENERATION_ENVIRON_KEY = "service.generation"
# How long browsers may keep an anonymous read without asking again (shared caches: s-maxage).
PUBLIC_MAX_AGE = 60
# The answers to anonymous reads that are the same for every anonymous reader, and so may be kept.
# A 404 is one: at the edge it takes the place of the copy of an item that is withdrawn, which
# stock nginx cannot purge and would otherwise serve again, stale, when the service errs.
KEPT_STATUSES = (200, 301, 304, 404)


def current_generation(*scopes: str) -> int:
    """The generation of public scopes (see public_scopes), or with none the content generation
    (which every write bumps: editors' validators), read once per request: the response cache
    may have read it already."""
    key = generation_environ_key(scopes)
    if key not in request.environ:
        # A read asks on the session's connection, which it reads the content with: one checkout
        # (and on PostgreSQL one ping) in all. A write asks apart from its transaction.
        bind = db.session.connection() if request.method in ("GET", "HEAD") else db.engine
        request.environ[key] = read_generation(bind, scopes)
    return request.environ[key]


def generation_environ_key(scopes: Sequence[str]) -> str:
    return f"{GENERATION_ENVIRON_KEY}.{','.join(scopes) or 'content'}"


_SCOPES = {kind.collection: kind.type for kind in KINDS.values()} | {
    "search": "search",
    "synonyms": "synonyms",
    "changes": "changes",
}


def public_scopes(path: str, searched: bool) -> tuple[str, ...]:
    """The public scopes that anonymous reads of a path are made from: its content type's (and
    search's, for a list `searched` with `q`), search's, the synonyms' or the change feed's; none
    for anything else, which the content generation covers."""
    segment = path.removeprefix(f"{API_PREFIX}/").partition("/")[0] if path.startswith(API_PREFIX) else ""
    scope = _SCOPES.get(segment)
    if scope is None:
        return ()
    # A list's `q` is a search: what synonyms and every published text find changes it too.
    return (scope, "search") if searched and scope in KINDS else (scope,)


def etag_for(*parts: object) -> str:
    """A strong validator made from what identifies a representation, not from its bytes."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def list_etag(generation: int, args: dict, scope: object) -> str:
    """Lists change only when some content does: the content generation plus the normalized query."""
    return etag_for("list", request.path, generation, sorted(args.items()), scope)


def not_modified(etag: str, last_modified: datetime | None = None) -> Response | None:
    """A 304 when the client's copy is current, so that no query is made and nothing serialized.
    `last_modified`: the representation's Last-Modified, where it sends one."""
    headers = request.headers
    if not is_fresh(headers.get("If-None-Match"), headers.get("If-Modified-Since"), etag, last_modified):
        return None
    response = Response(status=304)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    return response


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (or `*`). Also used in front of Flask, by
    the response cache, where no request object exists."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or f'"{etag}"' in tags or etag in tags


def is_fresh(
    if_none_match: str | None, if_modified_since: str | None, etag: str | None, last_modified: datetime | None
) -> bool:
    """Whether the client's copy is current, as RFC 9110 (13.2.2) evaluates a GET: If-None-Match
    when sent, and only then; otherwise If-Modified-Since, when the representation has a
    Last-Modified and the field is one valid HTTP-date (anything else is ignored). Times compare
    to the second, as Last-Modified is sent. Also used in front of Flask, by the response cache."""
    if if_none_match:
        return etag is not None and matches(if_none_match, etag)
    if not if_modified_since or last_modified is None:
        return False
    since = parse_http_date(if_modified_since)
    return since is not None and last_modified.replace(microsecond=0) <= since


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(?P<month>" + "|".join(_MONTH_NAMES) + ")"
_DAY_NAME = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_CLOCK = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
# RFC 9110 (5.6.7): IMF-fixdate, and the two obsolete forms a recipient must still accept.
_HTTP_DATES = (
    re.compile(rf"{_DAY_NAME}, (?P<day>\d\d) {_MONTH} (?P<year>\d{{4}}) {_CLOCK} GMT"),
    re.compile(
        rf"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?P<day>\d\d)-{_MONTH}-(?P<year>\d\d) {_CLOCK} GMT"
    ),
    re.compile(rf"{_DAY_NAME} {_MONTH} (?P<day>[ \d]\d) {_CLOCK} (?P<year>\d{{4}})"),
)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110, 5.6.7) as a UTC time; None for anything else, a list of dates or a
    time zone other than GMT included (werkzeug's parser takes those too)."""
    for form in _HTTP_DATES:
        if found := form.fullmatch(value.strip(" \t")):
            year = int(found["year"])
            if year < 100:
                # A two-digit year more than 50 years ahead is the most recent past one.
                year += 2000 if 2000 + year <= datetime.now(UTC).year + 50 else 1900
            try:
                return datetime(
                    year,
                    _MONTH_NAMES.index(found["month"]) + 1,
                    int(found["day"]),
                    int(found["hour"]),
                    int(found["minute"]),
                    int(found["second"]),
                    tzinfo=UTC,
                )
            except ValueError:  # 31 Feb, 25:00:00
                return None
    return None


@dataclass(frozen=True)
class ItemState:
    """What an item's validators are made of: (link, id, version, updated_at) of the item (link 0)
    and of every item it links to that the reader is shown (link 1); for a source, of the items
    citing it. Its representation changes when it does, or when a linked item is renamed,
    published, archived or unlinked (or a citing one changes its citations), and each of those
    bumps a version here."""

    kind: str
    rows: tuple[tuple[int, int, int, datetime], ...]

    @classmethod
    def read(cls, kind: ContentKind, slug: str, statuses: Sequence[str]) -> "ItemState | None":
        """In one statement, before anything is loaded: a 304 costs no more. None if not visible."""
        rows = queries.item_versions(kind, slug, statuses=statuses)
        return cls(kind.type, tuple(tuple(row) for row in rows)) if rows else None

    @classmethod
    def of(cls, item: ContentItem, statuses: Sequence[str]) -> "ItemState":
        """From an item in hand with its links loaded for an editor (every status), as a reader
        shown the links of these statuses sees it: no statement."""
        rows = [(0, item.id, item.version, item.updated_at)]
        kind = kind_of(item)
        if kind.cites:
            sources = {citation.source for citation in item.citations}
            rows += [(1, s.id, s.version, s.updated_at) for s in sources if s.status in statuses]
        for name in kind.shown_relationships:
            rows += [
                (1, linked.id, linked.version, linked.updated_at)
                for linked in getattr(item, name)
                if linked.status in statuses
            ]
        return cls(item.type, tuple(rows))

    @property
    def version(self) -> int:
        return next(version for link, _id, version, _updated in self.rows if link == 0)

    @property
    def last_modified(self) -> datetime:
        return max(updated_at for *_, updated_at in self.rows)

    def etag(self, scope: str) -> str:
        # Times as numbers: each driver gives them its own time zone object.
        rows = sorted((link, id_, version, updated.timestamp()) for link, id_, version, updated in self.rows)
        return etag_for(self.kind, rows, scope)


def reader_scope() -> str:
    """Readers with a token may see drafts, so their representations are told apart."""
    return "editor" if current_token() is not None else "public"


def validator_headers(
    state: ItemState, suffix: str = "", selection: Sequence[str] | None = None
) -> dict[str, str]:
    """`suffix` tells another representation of the item apart (its JSON-LD), by its ETag; so
    does a `selection` of its fields."""
    etag = selection_etag(state.etag(reader_scope()) + suffix, selection)
    return {"ETag": f'"{etag}"', "Last-Modified": http_date(state.last_modified)}


def latest_etag(item: ContentItem, version: int) -> str:
    """The ETag of an item's latest version (`?preview=true`): what If-Match takes for a change."""
    return ItemState.of(item, queries.ALL_STATUSES).etag(f"latest-{version}")


def check_if_match(item: ContentItem) -> int:
    """A write's precondition: 428 without If-Match, 412 when it names no representation of the
    item's latest version: its preview's ETag, or, while no change waits for review, the public
    one's or an editor's."""
    require_if_match()
    pending = review.pending_revision(item)
    current = [latest_etag(item, pending.version if pending is not None else item.version)]
    if pending is None:
        tags = (
            ItemState.of(item, queries.PUBLIC).etag("public"),
            ItemState.of(item, queries.ALL_STATUSES).etag("editor"),
        )
        # Of either representation, JSON or JSON-LD.
        current += [tag + suffix for tag in tags for suffix in ETAG_SUFFIXES.values()]
        # The public JSON as stored has an ETag of its bytes.
        if (stored := public_items.stored_etag(item.id)) is not None:
            current.append(stored)
    # A selection of the item's fields (`fields=`) shows the same version as the whole.
    # Werkzeug gives an empty tag (`""`) as None.
    sent = {full_etag(tag) for tag in request.if_match if tag}
    if not request.if_match.star_tag and not any(etag in sent for etag in current):
        message = (
            "The item has changed since you read it: fetch it again (?preview=true) and redo the change."
        )
        abort(412, message=message)
    # The latest version as the writer read it: the change must be made to that one.
    return pending.version if pending is not None else item.version


def require_if_match() -> None:
    """428 without If-Match: a write says which version it was made to."""
    if not request.headers.get("If-Match"):
        abort(428, message="Send the item's ETag in If-Match, so that no one else's change is overwritten.")


def check_if_match_etag(etag: str, what: str) -> None:
    """The precondition of a write to a resource with one representation: 428 without If-Match,
    412 unless it names `etag`."""
    require_if_match()
    if not request.if_match.contains(etag):
        abort(412, message=f"The {what} has changed since you read it: fetch it again and redo the change.")


def public_cache_control(settings: Settings) -> str:
    """Cache-Control of an anonymous read: a minute in a browser; in a shared cache (the edge, a
    CDN) `shared_max_age` seconds, then, stale, only while it revalidates its copy or cannot reach
    the service, and each of those only for as long as the settings say (RFC 5861)."""
    directives = [f"public, max-age={PUBLIC_MAX_AGE}", f"s-maxage={settings.shared_max_age}"]
    if settings.stale_while_revalidate:
        directives.append(f"stale-while-revalidate={settings.stale_while_revalidate}")
    if settings.stale_if_error:
        directives.append(f"stale-if-error={settings.stale_if_error}")
    return ", ".join(directives)


def register_caching_headers(app: Flask) -> None:
    public = public_cache_control(app.config["SETTINGS"])

    @app.after_request
    def caching_headers(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or response.status_code not in KEPT_STATUSES:
            return response
        headers = response.headers
        if response.status_code == 200 and "ETag" not in headers and not response.direct_passthrough:
            # Endpoints without a cheap validator (the index, health, the spec) hash their body.
            response.add_etag()
            response.make_conditional(request)
        if request.path in HEALTH_PATHS:
            # A health check says how the service is now: nothing may keep the answer.
            headers["Cache-Control"] = "no-store"
        elif sends_token(request.environ):
            # A token may show drafts: such a response must never sit in a shared cache.
            headers["Cache-Control"] = "private, no-store"
        elif "Cache-Control" not in headers:
            headers["Cache-Control"] = public
        vary_on(headers, "Authorization")
        return response


def vary_on(headers: Headers, name: str) -> None:
    """Add `name` to Vary, keeping every value already there (on one line or several), each once."""
    values = parse_set_header(", ".join(headers.getlist("Vary")))
    values.add(name)
    headers["Vary"] = values.to_header()
