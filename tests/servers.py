"""Real servers for the tests that need a process of their own: bin/serve or gunicorn, on a free port."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

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
