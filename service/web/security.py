"""Security headers on every response, and the refusal to run the debugger in production."""

import os

from flask import Flask, Response

# JSON is data, never a document: it may load nothing and be framed by no one.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The docs pages load their scripts, styles and the spec from this origin only. Swagger UI and
# ReDoc set inline styles and embed icons and fonts as data: URLs; ReDoc searches in a blob:
# worker. ReDoc's attribution logo, on a CDN, is blocked (it hides itself).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def security_headers(mimetype: str | None) -> dict[str, str]:
    policy = DOCS_POLICY if mimetype == "text/html" else API_POLICY
    return SECURITY_HEADERS | {"Content-Security-Policy": policy}


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in security_headers(response.mimetype).items():
            response.headers.setdefault(name, value)
        return response


def refuse_debug_in_production() -> None:
    """The debugger runs any code a visitor sends it: only `make dev` may turn it on."""
    if os.environ.get("FLASK_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off"):
        raise SystemExit("FLASK_DEBUG is set: the debugger must never run under the production server.")
