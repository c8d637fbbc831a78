"""The service's paths: the API's prefix and version, named once; the URL of every resource; and
one spelling of every path, before any layer looks at it.

`//api/v1/therapies` and `/api//v1/therapies` are the same resource as `/api/v1/therapies`. The
rate limits, the response cache, the token checks and the routes all read PATH_INFO; folding it
here, in the outermost layer, means none of them can be walked around by spelling a path twice.
"""

import re

from service.domain.content import KINDS, ContentKind

API_VERSION = "1"
API_PREFIX = f"/api/v{API_VERSION}"
# Outside the API: never rate limited, never asked for a token.
HEALTH_PATHS = ("/healthz", "/readyz")

_SLASHES = re.compile(r"/{2,}")


def collection_href(collection: str) -> str:
    return f"{API_PREFIX}/{collection}"


def item_href(kind: ContentKind, slug: str) -> str:
    return f"{collection_href(kind.collection)}/{slug}"


def content_href(item) -> str:
    """The URL path of any content item."""
    return item_href(KINDS[item.type], item.slug)


SYNONYMS_HREF = f"{API_PREFIX}/synonyms"


def synonym_href(set_id: int) -> str:
    """The URL path of a synonym set."""
    return f"{SYNONYMS_HREF}/{set_id}"


class PathNormalizer:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        # The service is served at the root: a SCRIPT_NAME a client slipped in through a proxy
        # header must not prefix the URLs it builds.
        environ["SCRIPT_NAME"] = ""
        path = environ.get("PATH_INFO") or "/"
        if "//" in path:
            environ["PATH_INFO"] = _SLASHES.sub("/", path)
        return self.wsgi_app(environ, start_response)
