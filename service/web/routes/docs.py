"""The documentation pages, Swagger UI and ReDoc, with their scripts served from installed packages.

No page loads anything from another origin, so the docs work on a network with no internet,
and the pages carry no inline script (their Content-Security-Policy can forbid it).
"""

import importlib.util
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from service.web.paths import API_PREFIX

SPEC_URL = f"{API_PREFIX}/openapi.json"
SWAGGER_UI_URL = f"{API_PREFIX}/docs"
REDOC_URL = f"{API_PREFIX}/redoc"
ASSETS_URL = f"{SWAGGER_UI_URL}/assets"


def _package_folder(package: str) -> Path:
    # Located without importing the package: only its files are used.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The package {package} is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


SWAGGER_UI_FILES = _package_folder("flask_swagger_ui") / "dist"
REDOC_FILES = _package_folder("flask_openapi_redoc") / "templates" / "redoc" / "js"
ASSETS = {
    "swagger-ui.css": SWAGGER_UI_FILES,
    "swagger-ui-bundle.js": SWAGGER_UI_FILES,
    "favicon-32x32.png": SWAGGER_UI_FILES,
    "redoc.standalone.js": REDOC_FILES,
}

SWAGGER_UI_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Immunotherapy content API: Swagger UI</title>
  <link rel="icon" href="{ASSETS_URL}/favicon-32x32.png">
  <link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
  <script src="{ASSETS_URL}/swagger-init.js"></script>
</body>
</html>
"""

# Authorize takes a bearer token; Try it out sends If-Match when the user fills it in.
SWAGGER_INIT = f"""window.ui = SwaggerUIBundle({{
  url: "{SPEC_URL}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Immunotherapy content API: ReDoc</title>
  <link rel="icon" href="{ASSETS_URL}/favicon-32x32.png">
</head>
<body>
  <redoc spec-url="{SPEC_URL}" disable-telemetry="true"></redoc>
  <script type="module" src="{ASSETS_URL}/redoc.standalone.js"></script>
</body>
</html>
"""

blp = Blueprint("docs", __name__)


@blp.get(SWAGGER_UI_URL)
def swagger_ui() -> Response:
    return Response(SWAGGER_UI_PAGE, mimetype="text/html")


@blp.get(REDOC_URL)
def redoc() -> Response:
    return Response(REDOC_PAGE, mimetype="text/html")


@blp.get(f"{ASSETS_URL}/swagger-init.js")
def swagger_init() -> Response:
    return Response(SWAGGER_INIT, mimetype="text/javascript")


@blp.get(f"{ASSETS_URL}/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    return send_from_directory(ASSETS[name], name, max_age=86400)
