"""Real servers for the tests that need a process of their own: bin/serve or gunicorn, on a free port;
the edge's nginx in front of them; and requests to them from any loopback address."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from edge.nginx import nginx_binary
from service.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(command: list[str], database_url: str, *, log_path: Path | None = None, **settings: str):
    """Start `command` on the database, wait until /readyz answers 200, yield the base URL, stop it."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **settings,
    }
    log = log_path.open("w") if log_path else subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _ready(base):
            assert server.poll() is None, f"{command[0]} stopped"
            assert time.monotonic() < deadline, f"{command[0]} did not become ready"
            time.sleep(0.3)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log_path:
            log.close()


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def nginx_or_skip() -> str:
    """Debian's nginx, which .ci/run installs: skipped without it, except in CI."""
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: .ci/run installs Debian's.")
        pytest.skip("nginx is not installed (apt-get install nginx).")
    return binary


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self):
        return json.loads(self.body)


def send(
    base: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: dict | bytes | None = None,
    source: str = "127.0.0.1",
) -> Answer:
    """One request, from the loopback address `source` (a visitor of its own), redirects not followed."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30, source_address=(source, 0))
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
