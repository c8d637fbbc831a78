"""Deployment: the compose file and the image are right by construction, and the entrypoint they
run (bin/serve, the same as `make run`) really migrates, seeds and serves on both databases."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from service.settings import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
THERAPY = "/api/v1/therapies/checkpoint-inhibitors"


def test_compose_runs_the_api_on_postgres_16_and_redis_with_healthchecks():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "api"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:")
    for name in ("db", "redis", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert services["api"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["api"]["build"] == "."


def test_compose_keeps_the_database_in_a_named_volume():
    assert "db-data" in COMPOSE["volumes"]
    assert "db-data:/var/lib/postgresql/data" in COMPOSE["services"]["db"]["volumes"]


def test_compose_has_no_default_secrets_and_fails_loudly_without_them():
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    for reference in re.findall(r"\$\{([^}]*PASSWORD[^}]*)\}", text):
        assert ":?" in reference, f"${{{reference}}} must fail when unset, not default"
    db_env = COMPOSE["services"]["db"]["environment"]
    assert db_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    api_env = COMPOSE["services"]["api"]["environment"]
    assert "${POSTGRES_PASSWORD:?" in api_env["DATABASE_URL"]
    assert api_env["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_the_image_is_slim_runs_as_a_user_and_starts_with_the_same_script_as_make_run():
    assert re.search(r"^FROM python:3\.11-slim", DOCKERFILE, re.M)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'CMD ["bin/serve"]' in DOCKERFILE
    assert "bin/serve" in (PROJECT_ROOT / "Makefile").read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_entrypoint_migrates_seeds_and_serves_on_an_empty_database(backend, tmp_path):
    database_url = backend.databases.empty()
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(PROJECT_ROOT / "bin" / "serve")], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, "bin/serve stopped"
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "bin/serve did not become ready"
                time.sleep(0.5)
        request = urllib.request.Request(f"{base}{THERAPY}", headers={"X-Request-ID": "deploy-check"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            assert response.headers["X-Request-ID"] == "deploy-check"
            # The server may name itself, never Python or a version.
            assert not re.search(r"python|\d", response.headers.get("Server", ""), re.I)
    finally:
        server.terminate()
        server.wait(timeout=30)
        backend.databases.drop(database_url)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    [logged] = [line for line in lines if line.get("request_id") == "deploy-check"]
    assert (logged["method"], logged["path"], logged["status"]) == ("GET", THERAPY, 200)
