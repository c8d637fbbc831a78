"""What the client tests share: a real server with an editor's token, Node.js (and the pinned npm
tools), and a way to run a tool that shows its output when it fails. Node.js and npm are required,
never skipped: .ci/run installs Debian's."""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT
from tests.apps import app_on
from tests.conftest import token_headers
from tests.servers import running_server

CLIENTS = PROJECT_ROOT / "clients"
PYTHON_BIN = Path(sys.executable).parent
# Global `fetch` and `AbortController`, which the TypeScript flow and the README's recipes use, came
# with Node.js 18.
NODE_MAJOR = 18


def run(command: list[str | Path], cwd: Path, timeout: int = 300, **env: str) -> str:
    """Run a tool to completion; its output, or a failure that shows it."""
    environment = os.environ | {"PATH": f"{PYTHON_BIN}{os.pathsep}{os.environ['PATH']}"} | env
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    shown = " ".join(str(part) for part in command)
    assert done.returncode == 0, (
        f"{shown} exited {done.returncode}\n{done.stdout[-20_000:]}\n{done.stderr[-10_000:]}"
    )
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, 18 or newer."""
    found = shutil.which("node")
    assert found, (
        "`node` is not installed: the generated TypeScript client and the README's recipes need "
        "Node.js (Debian's nodejs; .ci/run installs it)."
    )
    version = run([found, "--version"], cwd=PROJECT_ROOT).strip()
    major = re.match(r"v(\d+)\.", version)
    assert major and int(major[1]) >= NODE_MAJOR, f"Node.js {NODE_MAJOR} or newer is needed, not {version}"
    return found


@pytest.fixture(scope="session")
def node_modules(node) -> Path:
    """clients/node_modules as clients/package-lock.json pins it: `npm ci` again only when the lock
    file changes (npm's own cache keeps the downloads between installs)."""
    assert shutil.which("npm"), (
        "`npm` is not installed: the generated TypeScript client needs it for its pinned tools "
        "(Debian's npm; .ci/run installs it)."
    )
    lock = CLIENTS / "package-lock.json"
    folder = CLIENTS / "node_modules"
    stamp = folder / ".installed-from-lock"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    # Two runs at once (SQLite and PostgreSQL side by side) must not install over each other.
    with open(Path(tempfile.gettempdir()) / "content-clients-npm.lock", "w") as mutex:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        if not stamp.is_file() or stamp.read_text() != digest:
            run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENTS, timeout=900)
            stamp.write_text(digest)
    return folder


@pytest.fixture
def served(backend):
    """A real server on a fresh copy of the seeded database, and an editor's token for it."""
    url = backend.databases.copy(backend.template_url)
    with app_on(url) as app:
        token = token_headers(app, "editor-clients", "editor")["Authorization"].removeprefix("Bearer ")
    command = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]
    with running_server(command, url, WEB_CONCURRENCY="1", LOG_LEVEL="WARNING") as (base, _):
        yield base, token
    backend.databases.drop(url)
