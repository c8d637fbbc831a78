"""Compressed responses: brotli or gzip, as the client's Accept-Encoding asks, by flask-compress;
and validators that hold across encodings.

flask-compress compresses a response of a textual type over `MIN_SIZE` bytes (never a 304 or a
204, which have no body), adds `Vary: Accept-Encoding` to every response, and gives a compressed
response's strong ETag the encoding as a suffix (`"abc"` becomes `"abc:gzip"`), since the two
bodies differ byte for byte. Either spelling of a tag names the same version here: `EncodedValidators`,
in front of every other layer, reads `If-None-Match` and `If-Match` as if each tag had no suffix
(so the views, the response cache and Werkzeug compare tags as they make them), and gives a 304
the spelling the client holds. Weak tags are not made; If-Match compares strongly, as RFC 9110 says.
"""

import functools
import re

from flask import Flask
from flask_compress import Compress
from werkzeug.http import parse_accept_header

from service.web.health_representation import JSON, JSON_LD
from service.web.selection import FIELDS_MEDIA_TYPE

# Preferred first, where the client likes several alike.
ENCODINGS = ("br", "gzip")
# Smaller bodies gain little and cost a compressor's set-up: a 304, a problem, a short item.
MIN_SIZE = 500
MEDIA_TYPES = [
    JSON,
    JSON_LD,
    FIELDS_MEDIA_TYPE,
    "application/problem+json",
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
]
# A tag's encoding suffix, as flask-compress adds it: `"abc:gzip"`.
_ENCODED_TAG = re.compile(r'(?P<tag>"[^"]*?)(?P<suffix>:(?:' + "|".join(ENCODINGS) + r'))"')

compress = Compress()


def register_compression(app: Flask) -> None:
    app.config.update(
        COMPRESS_ALGORITHM=list(ENCODINGS),
        COMPRESS_MIMETYPES=MEDIA_TYPES,
        COMPRESS_MIN_SIZE=MIN_SIZE,
        # Answers are never streamed here; conditional requests are answered by the views (and
        # by the response cache) before anything is compressed.
        COMPRESS_STREAMS=False,
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,
    )
    compress.init_app(app)


@functools.lru_cache(maxsize=128)
def negotiated_encoding(accept_encoding: str | None) -> str | None:
    """The encoding a response to this Accept-Encoding may be in (None: not compressed), by
    q-values, ties to the order of ENCODINGS. The response cache keys on it: its entries are kept
    only when the body's encoding is this one or none (see response_cache.py)."""
    if not accept_encoding:
        return None
    qualities = {value.lower(): quality for value, quality in parse_accept_header(accept_encoding)}
    best, best_quality = None, 0.0
    for encoding in ENCODINGS:
        # Named, or else covered by `*`; q=0 refuses it.
        quality = qualities.get(encoding, qualities.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = encoding, quality
    return best


def without_encoding(etag_header: str) -> str:
    """An If-None-Match or If-Match header's tags as if none had an encoding suffix."""
    return _ENCODED_TAG.sub(r'\g<tag>"', etag_header)


class EncodedValidators:
    """Tags sent with an encoding suffix compare as without it; a 304 carries the suffix of the
    tag the client sent, as the 200 it stands for did."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        suffixes: dict[str, str] = {}
        for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH"):
            value = environ.get(header)
            if value and ":" in value:
                if header == "HTTP_IF_NONE_MATCH":
                    suffixes = {m["tag"] + '"': m["suffix"] for m in _ENCODED_TAG.finditer(value)}
                environ[header] = without_encoding(value)
        if not suffixes:
            return self.wsgi_app(environ, start_response)

        def respond(status, headers, exc_info=None):
            if status.startswith("304"):
                headers = [
                    (name, _suffixed(value, suffixes) if name.lower() == "etag" else value)
                    for name, value in headers
                ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, respond)


def _suffixed(etag: str, suffixes: dict[str, str]) -> str:
    suffix = suffixes.get(etag.removeprefix("W/"))
    return etag[:-1] + suffix + '"' if suffix else etag
