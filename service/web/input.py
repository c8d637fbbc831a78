"""What no view should have to handle: URLs too long, bodies that are not JSON, too large or
holding what no text may hold (NUL, half a surrogate pair), and integers in paths in digits of
another script."""

import json
from urllib.parse import quote

from flask import Flask, request
from flask_smorest import abort
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` in a route, in ASCII digits only (Werkzeug's `\\d` matches any script's digits)."""

    regex = r"[0-9]+"


def check_requests(app: Flask, max_uri_length: int) -> None:
    """Refuse what no view should have to handle: a request-target longer than `max_uri_length`
    (414), bodies that are not JSON (415), over 1 MiB when sent in chunks (413), or holding NUL or
    half a surrogate pair (422); NUL in a path or query too."""

    @app.before_request
    def check_request() -> None:
        if request_target_length(request.environ) > max_uri_length:
            abort(
                414,
                message=f"The URL is longer than {max_uri_length} characters; "
                "ask for fewer items at a time, or with shorter parameters.",
            )
        # No text of the service may hold NUL: PostgreSQL refuses it and SQLite's search chokes on it.
        nul = "Text may not contain NUL (\\u0000) characters."
        if "\x00" in request.path or b"%00" in request.query_string:
            abort(422, message=nul)
        if request.method not in ("POST", "PUT", "PATCH"):
            return
        if request.content_length or request.headers.get("Transfer-Encoding"):
            if not request.is_json:
                abort(415, message="Send the body as application/json.")
            body = request.get_data().lower()
            # A chunked body is read up to the limit and cut there: one that fills it is too large.
            if request.content_length is None and len(body) >= (request.max_content_length or len(body) + 1):
                abort(413, message="The body is larger than 1 MiB.")
            if b"\\u0000" in body:
                abort(422, message=nul)
            if b"\\ud" in body and _has_lone_surrogate(request.get_data()):
                abort(422, message="Text may not contain unpaired surrogates (\\ud800 to \\udfff).")


def request_target_length(environ: dict) -> int:
    """The length of the path and query as the client sent them: gunicorn's RAW_URI (Werkzeug's
    server sets it too), else rebuilt from the path and the query."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING", "")
    return len(target) + (len(query) + 1 if query and "?" not in target else 0)


def _has_lone_surrogate(body: bytes) -> bool:
    # A JSON escape may name half a UTF-16 pair: no character, and no database stores it as text.
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False  # not JSON: the body parser answers 400
    return False
