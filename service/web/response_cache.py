"""An in-process cache of serialized anonymous GET responses, keyed by the generation of what the
URL shows, the URL, the representation negotiated (JSON or JSON-LD) and the encoding negotiated
(brotli, gzip or none).

It sits in front of Flask, as WSGI middleware: a hot read costs one tiny query (the generation of
the URL's public scope, which lives in the database, so the cache is safe with any number of
workers and instances), a dictionary look-up and the bytes, with no routing, no view and no
serialization. A change bumps the generations of the scopes it alters (a type's items and lists,
search, synonyms, the change feed: service.domain.generation), so no entry outlives the content
it was made from, and entries of what a change did not touch stay. Only what anyone may
see is kept: GETs of the API without an Authorization header, answered 200. The cache is
bounded in entries and in bytes (keys, headers and bodies), and evicts the least recently used first.
The key holds the representation the Accept header negotiates, never the header itself: a URL has
at most two entries per encoding, however many ways browsers spell their Accept. Likewise the
encoding: an entry is the response as compressed for its key's encoding (or not compressed, when
it is too small), and one whose body came out in another encoding is not kept, so a client is never
sent a body in an encoding it did not accept. An entry's ETag is kept without its encoding suffix,
as the If-None-Match it is compared with arrives (see compression.py).
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from urllib.parse import parse_qsl

from flask import Flask, Response, request

from service.domain.db import db
from service.domain.generation import read_generation
from service.web.auth import sends_token
from service.web.compression import negotiated_encoding, without_encoding
from service.web.conditional import generation_environ_key, is_fresh, public_scopes
from service.web.errors import UNAVAILABLE_ENVIRON_KEY, is_unavailable
from service.web.health_representation import negotiate

CACHE_KEY_ENVIRON_KEY = "service.response_cache_key"
# Sent again with a 304: what a cache needs to refresh its stored copy.
NOT_MODIFIED_HEADERS = {
    "etag",
    "cache-control",
    "vary",
    "last-modified",
    "access-control-allow-origin",
    "x-content-type-options",
    "referrer-policy",
    "content-security-policy",
}


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    # Content-Length included: what a hit sends as it is.
    headers: tuple[tuple[str, str], ...]
    etag: str | None
    last_modified: datetime | None = None

    @cached_property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)

    @cached_property
    def not_modified_headers(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, value) for name, value in self.headers if name.lower() in NOT_MODIFIED_HEADERS)


class ResponseCache:
    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: CachedResponse) -> None:
        # One response may take at most an eighth of the cache, so a few big ones cannot flush it.
        if _size(key, entry) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= _size(key, old)
            self._entries[key] = entry
            self.bytes += _size(key, entry)
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self.bytes -= _size(evicted_key, evicted)


def _size(key: tuple, entry: CachedResponse) -> int:
    """What an entry holds: the key (a client chooses its query, and `Link` echoes it) counts as
    much as the body and the headers."""
    _generation, path, query, _media_type, _encoding = key
    return len(path) + sum(len(name) + len(value) for name, value in query) + entry.size


class ResponseCacheMiddleware:
    """Answers cached reads before Flask; hands everything else, and every doubt, to the app."""

    def __init__(self, app: Flask, cache: ResponseCache):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.cache = cache
        with app.app_context():
            self.engine = db.engine

    def __call__(self, environ, start_response):
        if (
            environ["REQUEST_METHOD"] != "GET"
            or sends_token(environ)
            or not environ.get("PATH_INFO", "").startswith("/api/")
        ):
            return self.wsgi_app(environ, start_response)
        # Parameters in any order are one query; a repeated one keeps its values' order.
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        query = tuple(sorted(pairs, key=lambda pair: pair[0]))
        scopes = public_scopes(environ["PATH_INFO"], searched=any(name == "q" for name, _ in pairs))
        try:
            generation = read_generation(self.engine, scopes)
        except Exception as error:
            # The app answers: a 503 at once when the database is unavailable, without a second wait.
            if is_unavailable(error):
                environ[UNAVAILABLE_ENVIRON_KEY] = error
            return self.wsgi_app(environ, start_response)
        key = (
            generation,
            environ["PATH_INFO"],
            query,
            negotiate(environ.get("HTTP_ACCEPT")),
            negotiated_encoding(environ.get("HTTP_ACCEPT_ENCODING")),
        )
        entry = self.cache.get(key)
        if entry is None:
            environ[generation_environ_key(scopes)] = generation
            environ[CACHE_KEY_ENVIRON_KEY] = key
            return self.wsgi_app(environ, start_response)
        if is_fresh(
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            entry.etag,
            entry.last_modified,
        ):
            start_response("304 NOT MODIFIED", list(entry.not_modified_headers))
            return []
        start_response("200 OK", list(entry.headers))
        return [entry.body]


def register_response_cache(app: Flask, max_entries: int, max_bytes: int) -> None:
    if max_entries <= 0 or max_bytes <= 0:
        return
    cache = ResponseCache(max_entries, max_bytes)
    app.extensions["response_cache"] = cache
    app.wsgi_app = ResponseCacheMiddleware(app, cache)

    # Registered before compression and the caching and CORS headers: after-request hooks run
    # in reverse order, so this one sees the response complete, and encoded.
    @app.after_request
    def store_in_cache(response: Response) -> Response:
        key = request.environ.get(CACHE_KEY_ENVIRON_KEY)
        if key is not None and response.status_code == 200 and not response.direct_passthrough:
            encoding = response.headers.get("Content-Encoding")
            if encoding is not None and encoding != key[-1]:
                return response
            body = response.get_data()
            headers = (
                *((name, value) for name, value in response.headers.items() if name != "Content-Length"),
                ("Content-Length", str(len(body))),
            )
            etag, _weak = response.get_etag()
            if etag is not None:
                etag = without_encoding(f'"{etag}"')[1:-1]
            cache.put(key, CachedResponse(body, headers, etag, response.last_modified))
        return response
