"""Deployment: the compose file and the image are right by construction, and the entrypoint they
run (bin/serve, the same as `make run`) really migrates, seeds and serves on both databases."""

import json
import re
import urllib.request

import yaml

from service.settings import PROJECT_ROOT
from tests.servers import running_server

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


def test_the_entrypoint_migrates_seeds_and_serves_on_an_empty_database(backend, tmp_path):
    database_url = backend.databases.empty()
    log_path = tmp_path / "serve.log"
    serve = [str(PROJECT_ROOT / "bin" / "serve")]
    server = running_server(serve, database_url, log_path=log_path, WEB_CONCURRENCY="1", LOG_LEVEL="INFO")
    try:
        with server as (base, _):
            request = urllib.request.Request(f"{base}{THERAPY}", headers={"X-Request-ID": "deploy-check"})
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
                assert response.headers["X-Request-ID"] == "deploy-check"
                # The server may name itself, never Python or a version.
                assert not re.search(r"python|\d", response.headers.get("Server", ""), re.I)
    finally:
        backend.databases.drop(database_url)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    [logged] = [line for line in lines if line.get("request_id") == "deploy-check"]
    assert (logged["method"], logged["path"], logged["status"]) == ("GET", THERAPY, 200)
