"""Clients generated from the live spec, as front-end and Python developers would make them, build
strictly and run a reader's and an editor's flow against a real server, on each database:
TypeScript (openapi-typescript's types with openapi-fetch, `tsc --strict`) and Python
(openapi-python-client; the client itself and the flow under `mypy --strict`). The flows are
clients/flow.ts and clients/flow.py; the generators are pinned by clients/package-lock.json and
requirements-dev.txt. Node.js and npm are required, never skipped: .ci/run installs Debian's."""

import json
import shutil
import sys
import urllib.request
from pathlib import Path

from tests.clients.conftest import CLIENTS, PYTHON_BIN, run

# The package the Python client is generated as, which clients/flow.py imports; as the generator
# writes it, not rewritten by whatever ruff is on PATH (ruff's fixes are not all sound under mypy).
PYTHON_CLIENT_CONFIG = (
    "project_name_override: content-client\npackage_name_override: content_client\npost_hooks: []\n"
)


def live_spec(base: str, folder: Path) -> Path:
    """The spec as the running server serves it, saved for the generators."""
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=30) as response:
        assert response.status == 200
        spec = json.load(response)
    assert spec["openapi"].startswith("3.1")
    path = folder / "openapi.json"
    path.write_text(json.dumps(spec))
    return path


def test_typescript_client_builds_strictly_and_runs_the_flow(served, node_modules, tmp_path):
    base, token = served
    work = tmp_path / "typescript"
    work.mkdir()
    for name in ("package.json", "tsconfig.json", "flow.ts"):
        shutil.copy(CLIENTS / name, work / name)
    (work / "node_modules").symlink_to(node_modules, target_is_directory=True)
    bin_ = node_modules / ".bin"

    run([bin_ / "openapi-typescript", live_spec(base, tmp_path), "--output", work / "api.ts"], cwd=work)
    # One strict compile: the types checked (as `tsc --strict --noEmit` checks them), and the flow
    # emitted as JavaScript only when they hold (noEmitOnError).
    run([bin_ / "tsc", "--strict", "--project", work], cwd=work)
    output = run(["node", work / "out" / "flow.js"], cwd=work, CONTENT_API_URL=base, CONTENT_API_TOKEN=token)
    assert "typescript client flow: ok" in output, output


def test_python_client_checks_strictly_and_runs_the_flow(served, tmp_path):
    base, token = served
    work = tmp_path / "python"
    work.mkdir()
    config = tmp_path / "openapi-python-client.yaml"
    config.write_text(PYTHON_CLIENT_CONFIG)

    generated = run(
        [
            PYTHON_BIN / "openapi-python-client",
            "generate",
            "--path",
            live_spec(base, tmp_path),
            "--config",
            config,
            "--meta",
            "none",
            "--output-path",
            work / "content_client",
        ],
        cwd=tmp_path,
    )
    # The generator warns of what it could not turn into code (and leaves it out).
    assert "warning" not in generated.lower(), generated
    # The client as generated and the flow against it, both strictly: what the spec makes of the
    # client's code (a schema named like its own field, an enum) is checked too.
    run(
        [
            PYTHON_BIN / "mypy",
            "--strict",
            "--cache-dir",
            tmp_path / "mypy-cache",
            work / "content_client",
            CLIENTS / "flow.py",
        ],
        cwd=tmp_path,
        MYPYPATH=str(work),
    )
    output = run(
        [sys.executable, CLIENTS / "flow.py"],
        cwd=tmp_path,
        PYTHONPATH=str(work),
        CONTENT_API_URL=base,
        CONTENT_API_TOKEN=token,
    )
    assert "python client flow: ok" in output, output
