"""The docs pages render in a real browser with no network but this machine: nothing from a CDN."""

import os
import re
import shutil
import subprocess
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host but this machine is unreachable, as on an intranet with no internet.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=20000",
    # The console, where a Content-Security-Policy violation is reported.
    "--enable-logging=stderr",
]


WRITE_AND_READ = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    return path


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def rendered_text(chromium: str, url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    # The pages' Content-Security-Policy blocks nothing of their own: only other origins.
    blocked = re.findall(r"(?:Loading the \w+|Connecting to) '([^']*)' violates", result.stderr)
    assert all(url.startswith("https://") for url in blocked), blocked
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", result.stdout, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_swagger_ui_renders_every_operation_offline(chromium, live_server, app):
    text = rendered_text(chromium, f"{live_server}/api/v1/docs")
    for summary in ("List therapies", "Change a therapy", "Search all content", "Poll the change feed"):
        assert summary in text
    assert "Authorize" in text
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"].values()
    operations = sum(method in WRITE_AND_READ for methods in paths for method in methods)
    assert len(re.findall(r"\b(GET|POST|PUT|PATCH|DELETE)\b", text)) >= operations


def test_redoc_renders_the_operations_offline(chromium, live_server):
    text = rendered_text(chromium, f"{live_server}/api/v1/redoc")
    assert "Immunotherapy content API" in text
    # The guide (info.description) opens the page.
    assert "Tokens and writing" in text and "Medical disclaimer" in text
    # ReDoc mounts a section only as it scrolls into view, and the guide fills the first screen:
    # opened at a section, as a link to one opens it, the page renders it and those before it.
    text = rendered_text(chromium, f"{live_server}/api/v1/redoc#/mechanisms")
    for operation in ("get /api/v1/therapies", "patch /api/v1/therapies/{slug}", "post /api/v1/mechanisms"):
        assert operation in text
    assert "Kinds of immunotherapy" in text


def test_the_pages_load_nothing_from_another_origin(client):
    for page in ("/api/v1/docs", "/api/v1/redoc"):
        html = client.get(page).get_data(as_text=True)
        assert re.findall(r'(?:src|href)="(https?:)?//', html) == []
        for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            response = client.get(asset)
            assert response.status_code == 200, asset
            response.close()
