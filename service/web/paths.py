"""One spelling of every path, before any layer looks at it.

`//api/v1/therapies` and `/api//v1/therapies` are the same resource as `/api/v1/therapies`. The
rate limits, the response cache, the token checks and the routes all read PATH_INFO; folding it
here, in the outermost layer, means none of them can be walked around by spelling a path twice.
"""

import re

_SLASHES = re.compile(r"/{2,}")


class PathNormalizer:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if "//" in path:
            environ["PATH_INFO"] = _SLASHES.sub("/", path)
        return self.wsgi_app(environ, start_response)
