"""Conformance as an attacker tests it: schemathesis's command line against a real server, every
phase (examples, coverage, fuzzing, stateful) and every check, anonymous and with an editor's
token, on each database. Deterministic, so that a pass here is a pass in CI; set
CONFORMANCE_EXAMPLES=500 to widen the search when hunting for new failures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apps import make_app
from tests.conftest import token_headers
from tests.servers import running_server

EXAMPLES_PER_OPERATION = os.environ.get("CONFORMANCE_EXAMPLES", "25")
# Checks that contradict the contract on purpose, each with its reason.
EXCLUDED_CHECKS = {
    # Valid JSON may still break a content rule no schema can state (a quote must be a passage of
    # its source, a linked slug must exist, If-Match must be current): documented 4xx answers.
    "positive_data_acceptance",
    # A write without If-Match is a 428 Precondition Required (RFC 6585, and the v1 contract), a
    # status this check does not count among the refusals it expects.
    "missing_required_header",
    # DELETE archives (the v1 contract): the public gets 404, but an editor's token still reads the
    # archived item, to restore or publish it again.
    "use_after_free",
}
# The refusals of invalid data the check expects (schemathesis's own list), 413 (a body over 1 MiB:
# an over-long text of escaped characters makes one) and 414 (a URL that long), both refused
# before they are read.
NEGATIVE_DATA_STATUSES = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "414",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]


@pytest.fixture
def served(backend):
    url = backend.databases.copy(backend.template_url)
    editor = token_headers(make_app(url), "editor-conformance", "editor")
    command = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]
    settings = {"WEB_CONCURRENCY": "1", "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "ERROR"}
    with running_server(command, url, **settings) as (base, _):
        yield base, editor
    backend.databases.drop(url)


@pytest.mark.parametrize("reader", ["anonymous", "editor"])
def test_every_operation_answers_as_its_spec_says(served, reader, tmp_path):
    base, editor = served
    config = tmp_path / "schemathesis.toml"
    statuses = ", ".join(f'"{status}"' for status in NEGATIVE_DATA_STATUSES)
    config.write_text(f"[checks.negative_data_rejection]\nexpected-statuses = [{statuses}]\n")
    command = [
        str(Path(sys.executable).parent / "st"),
        f"--config-file={config}",
        "run",
        f"{base}/api/v1/openapi.json",
        "--phases=examples,coverage,fuzzing,stateful",
        "--checks=all",
        f"--exclude-checks={','.join(sorted(EXCLUDED_CHECKS))}",
        f"--max-examples={EXAMPLES_PER_OPERATION}",
        "--generation-deterministic",
        "--workers=1",
        "--no-color",
    ]
    if reader == "editor":
        command.append(f"--header=Authorization:{editor['Authorization']}")
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900, env=os.environ)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5000:]
    # Every phase ran, and passed.
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in run.stdout, run.stdout[-5000:]
