"""Deployment: the compose file and the image are right by construction, and the entrypoint they
run (bin/serve, the same as `make run`) really migrates, seeds and serves on both databases."""

import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import yaml

from edge.nginx import TEMPLATE, blanks
from service.settings import PROJECT_ROOT
from tests.servers import running_server

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
THERAPY = "/api/v1/therapies/checkpoint-inhibitors"
# The five sources, and the therapies, mechanisms, indications and FAQs in seed/.
SEEDED_ITEMS = 52


def test_compose_runs_the_api_on_postgres_16_and_redis_with_healthchecks():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "prepare", "api", "edge"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:")
    for name in ("db", "redis", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert services["api"]["build"] == "."


def test_compose_prepares_once_and_the_replicas_only_serve():
    prepare, api = COMPOSE["services"]["prepare"], COMPOSE["services"]["api"]
    assert prepare["command"] == ["bin/prepare"] and prepare["restart"] == "no"
    assert prepare["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert api["depends_on"] == {
        "prepare": {"condition": "service_completed_successfully"},
        "redis": {"condition": "service_healthy"},
    }
    assert "command" not in api  # the image's own: bin/serve, which never migrates or seeds
    assert prepare["environment"]["DATABASE_URL"] == api["environment"]["DATABASE_URL"]
    serve = (PROJECT_ROOT / "bin" / "serve").read_text()
    assert "gunicorn" in serve and "prepare" not in serve.split("set -eu", 1)[1]


def test_compose_puts_the_edge_in_front_and_publishes_only_its_port():
    api, edge = COMPOSE["services"]["api"], COMPOSE["services"]["edge"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+", edge["image"]), "a pinned nginx"
    # The repository's config, as the image's templates step takes it (to replace its default.conf).
    [mount] = edge["volumes"]
    source, target, mode = mount.split(":")
    assert (PROJECT_ROOT / source).resolve() == TEMPLATE and mode == "ro"
    assert target == "/etc/nginx/templates/default.conf.template"
    # Every blank of the template filled, and nothing of nginx's own that envsubst would fill too.
    environment = edge["environment"]
    assert set(environment) == blanks()
    assert set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", TEMPLATE.read_text())) == blanks()
    # In front of the api's port, and on the one port published; the api publishes none.
    assert environment["EDGE_UPSTREAM"] == "api:8000" and "PORT=8000" in DOCKERFILE
    assert edge["ports"] == [f"${{PORT:-8000}}:{environment['EDGE_LISTEN']}"]
    assert "ports" not in api and api["expose"] == ["8000"]
    assert edge["depends_on"] == {"api": {"condition": "service_healthy"}}
    # Exactly one proxy in front: the service reads each visitor's address past the edge.
    assert api["environment"]["TRUSTED_PROXIES"] == "1"


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


def test_prepare_then_serve_works_on_an_empty_database(backend, tmp_path):
    database_url = backend.databases.empty()
    log_path = tmp_path / "serve.log"
    serve = ["sh", "-c", "bin/prepare && exec bin/serve"]
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


def test_two_preparations_at_once_take_turns_and_seed_once(backend):
    database_url = backend.databases.empty()
    env = os.environ | {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    try:
        runs = [
            subprocess.Popen(["bin/prepare"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=180)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        # One created everything; the other, after its turn, found all of it there.
        assert sorted(output.splitlines()[0].split(",")[0] for output in outputs) == [
            "created 0",
            f"created {SEEDED_ITEMS}",
        ]
    finally:
        backend.databases.drop(database_url)


def test_the_image_and_the_tests_install_exact_versions_of_every_dependency():
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    for lock, ranges in (
        ("requirements.txt", pyproject["dependencies"]),
        (
            "requirements-dev.txt",
            [*pyproject["dependencies"], *itertools.chain(*pyproject["optional-dependencies"].values())],
        ),
    ):
        pins = dict(
            line.split("==", 1) for line in (PROJECT_ROOT / lock).read_text().splitlines() if "==" in line
        )
        for requirement in ranges:
            name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower()
            assert name in pins, f"{lock} pins no version of {name}"
    assert "--requirement requirements.txt" in DOCKERFILE
    assert "--requirement requirements-dev.txt" in (PROJECT_ROOT / "Makefile").read_text()
