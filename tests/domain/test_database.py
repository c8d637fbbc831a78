"""Database faults, on a PostgreSQL server of the test's own (initdb and pg_ctl in a temp folder, on a
free port; never the shared server): while it is down every answer is a 503 problem with
Retry-After, a write says whether it was saved, and the service recovers on its own when the
server is back. On SQLite, a write lock held elsewhere past the busy timeout is the same 503."""

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.domain.consistency import check_consistency
from service.domain.db import db
from tests.apps import make_app, upgrade_and_seed
from tests.backed import BACKED_THERAPY
from tests.conftest import token_headers
from tests.servers import free_port, running_server
from tests.workflow import approve

PG_BIN = Path("/usr/lib/postgresql/15/bin")
THERAPY = "/api/v1/therapies/checkpoint-inhibitors"


class PrivatePostgres:
    """A PostgreSQL server in a folder of its own, run as the postgres user when the tests run as root."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def _processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True)
        return [postmaster, *map(int, children.stdout.split())]

    def freeze(self) -> None:
        """Every process of the server stopped: connections stay open and nothing ever answers."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._processes():
            os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        # Immediate: as a crash or a cut network looks to the service, with no goodbye to clients.
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


@pytest.fixture
def private_postgres():
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL 15's server binaries are missing.")
        pytest.skip("PostgreSQL 15's server binaries are not installed.")
    folder = Path(tempfile.mkdtemp(prefix="pg-fault-"))
    server = PrivatePostgres(folder)
    server.init()
    server.start()
    yield server
    with contextlib.suppress(OSError):
        server.thaw()
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def faulty(private_postgres):
    """The app on the private server, migrated and seeded, with an editor's token."""
    app = make_app(private_postgres.url)
    upgrade_and_seed(app)
    yield app, app.test_client(), token_headers(app, "editor-fault", "editor")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "psycopg", "127.0.0.1", "SELECT", ".py"):
        assert leak not in body


def test_an_outage_is_503_everywhere_and_the_service_recovers_by_itself(private_postgres, faulty):
    app, client, editor = faulty
    reviewer = token_headers(app, "reviewer-fault", "reviewer")
    assert client.get("/readyz").status_code == 200
    etag = client.get(THERAPY, headers=editor).headers["ETag"]

    private_postgres.stop()
    assert client.get("/healthz").status_code == 200  # the process itself is alive
    for response in (
        client.get("/readyz"),
        client.get("/api/v1/therapies"),
        client.get(THERAPY),
        client.get("/api/v1/search?q=melanoma"),
        client.get(THERAPY, headers=editor),
    ):
        _assert_unavailable(response)
    write = client.patch(
        THERAPY, json={"summary": "Lost in the outage."}, headers=editor | {"If-Match": etag}
    )
    _assert_unavailable(write)
    assert "nothing was saved" in write.json["detail"]

    private_postgres.start()
    assert client.get("/readyz").status_code == 200
    assert client.get(THERAPY).json["summary"] != "Lost in the outage."
    # Nothing was saved, so the ETag the editor holds is still current: the write can be sent again.
    again = client.patch(THERAPY, json={"summary": "Sent again."}, headers=editor | {"If-Match": etag})
    assert again.status_code == 200 and again.json["summary"] == "Sent again."
    # A change of a published item waits for review, then is public.
    assert client.get(THERAPY).json["summary"] != "Sent again."
    approve(client, THERAPY, editor, reviewer, again.headers["ETag"])
    assert client.get(THERAPY).json["summary"] == "Sent again."


def test_a_write_cut_off_in_its_commit_is_all_or_nothing_and_the_client_is_told(private_postgres, faulty):
    app, client, editor = faulty
    # A draft changes in place: its UPDATE and revision are one commit.
    created = client.post("/api/v1/therapies", json=BACKED_THERAPY, headers=editor)
    assert created.status_code == 201
    url = created.headers["Location"]
    before = client.get(url, headers=editor)

    def outage_at_commit(session):
        private_postgres.stop()

    with app.app_context():
        sa.event.listen(db.session, "before_commit", outage_at_commit, once=True)
    try:
        response = client.patch(
            url,
            json={"summary": "Cut off while saving."},
            headers=editor | {"If-Match": before.headers["ETag"]},
        )
    finally:
        with app.app_context():
            if sa.event.contains(db.session, "before_commit", outage_at_commit):
                sa.event.remove(db.session, "before_commit", outage_at_commit)
    _assert_unavailable(response)
    assert "may or may not be saved" in response.json["detail"]

    private_postgres.start()
    after = client.get(url, headers=editor).json
    # All or nothing: either the old version and summary, or the new ones with their revision.
    assert (after["version"], after["summary"]) in {
        (before.json["version"], before.json["summary"]),
        (before.json["version"] + 1, "Cut off while saving."),
    }
    revisions = client.get(f"{url}/revisions", headers=editor).json
    assert max(revision["version"] for revision in revisions) == after["version"]
    with app.app_context():
        assert check_consistency() == []


def test_a_locked_sqlite_database_refuses_writes_with_503_and_saves_nothing(tmp_path):
    path = tmp_path / "locked.db"
    app = make_app(f"sqlite:///{path}")
    upgrade_and_seed(app)
    client = app.test_client()
    editor = token_headers(app, "editor-locked", "editor")
    etag = client.get(THERAPY, headers=editor).headers["ETag"]
    # Another process holds the write lock for longer than the service waits for it (5 s).
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert client.get(THERAPY).status_code == 200  # WAL: reads never wait for a writer
        write = client.patch(THERAPY, json={"summary": "Locked out."}, headers=editor | {"If-Match": etag})
        _assert_unavailable(write)
        assert "nothing was saved" in write.json["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = client.patch(THERAPY, json={"summary": "Sent again."}, headers=editor | {"If-Match": etag})
    assert again.status_code == 200
    with app.app_context():
        assert check_consistency() == []
        db.engine.dispose()


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_server_that_hangs_is_a_503_within_seconds_not_a_stall(private_postgres, faulty):
    _, client, editor = faulty
    etag = client.get(THERAPY, headers=editor).headers["ETag"]
    assert client.get("/api/v1/therapies").status_code == 200  # pooled connections in hand

    private_postgres.freeze()
    try:
        # The default timeout is 3 s: a cut connection, then a connect that times out.
        for call in (
            lambda: client.get("/api/v1/therapies"),
            lambda: client.get(THERAPY, headers=editor),
            lambda: client.get("/readyz"),
        ):
            response, seconds = _timed(call)
            _assert_unavailable(response)
            assert seconds < 10
        write, seconds = _timed(
            lambda: client.patch(THERAPY, json={"summary": "Lost."}, headers=editor | {"If-Match": etag})
        )
        _assert_unavailable(write)
        assert seconds < 10
        healthz, seconds = _timed(lambda: client.get("/healthz"))
        assert healthz.status_code == 200 and seconds < 1
    finally:
        private_postgres.thaw()
    assert client.get("/readyz").status_code == 200
    assert client.get(THERAPY).json["summary"] != "Lost."


def test_under_gunicorn_a_hanging_database_leaves_the_health_check_answering(private_postgres, faulty):
    with running_server(
        ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"],
        private_postgres.url,
        WEB_CONCURRENCY="2",
        LOG_LEVEL="ERROR",
    ) as (base, _server):
        private_postgres.freeze()
        answers: list[int] = []

        def read() -> None:
            try:
                urllib.request.urlopen(f"{base}/api/v1/faqs?page_size=3", timeout=30)
            except urllib.error.HTTPError as error:
                answers.append(error.code)

        try:
            # Both workers busy with reads that wait on the silent server.
            readers = [threading.Thread(target=read) for _ in range(2)]
            for reader in readers:
                reader.start()
            time.sleep(0.5)
            with urllib.request.urlopen(f"{base}/healthz", timeout=15) as health:
                assert health.status == 200
            for reader in readers:
                reader.join(timeout=30)
        finally:
            private_postgres.thaw()
        assert answers == [503, 503]


@pytest.fixture
def small_disk(tmp_path):
    """A file system of 8 MiB of its own (tmpfs), to fill up or make read-only."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"A tmpfs cannot be mounted here: {mounted.stderr.decode()}")
        pytest.skip("Mounting a tmpfs needs root.")
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=True)


def _sqlite_app_on(folder: Path):
    app = make_app(f"sqlite:///{folder / 'content.db'}")
    upgrade_and_seed(app)
    return app, app.test_client(), token_headers(app, "editor-disk", "editor")


def test_a_full_disk_refuses_writes_with_503_and_is_not_ready(small_disk):
    app, client, editor = _sqlite_app_on(small_disk)
    etag = client.get(THERAPY, headers=editor).headers["ETag"]
    filler = small_disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as file:
        while True:
            file.write(b"\0" * 65536)
            file.flush()
    try:
        write = client.patch(THERAPY, json={"summary": "No room."}, headers=editor | {"If-Match": etag})
        _assert_unavailable(write)
        assert "nothing was saved" in write.json["detail"]
        _assert_unavailable(client.get("/readyz"))
    finally:
        filler.unlink()
    assert client.get("/readyz").status_code == 200
    again = client.patch(THERAPY, json={"summary": "Room again."}, headers=editor | {"If-Match": etag})
    assert again.status_code == 200
    with app.app_context():
        assert check_consistency() == []
        db.engine.dispose()


def test_a_read_only_database_refuses_writes_with_503_and_is_not_ready(small_disk):
    app, client, editor = _sqlite_app_on(small_disk)
    etag = client.get(THERAPY, headers=editor).headers["ETag"]
    with app.app_context():
        db.engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        write = client.patch(THERAPY, json={"summary": "Read-only."}, headers=editor | {"If-Match": etag})
        _assert_unavailable(write)
        assert "nothing was saved" in write.json["detail"]
        _assert_unavailable(client.get("/readyz"))
        assert client.get(THERAPY).status_code in (200, 503)
    finally:
        with app.app_context():
            db.engine.dispose()
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_a_connection_lost_while_a_request_ends_leaves_its_answer_intact(private_postgres, faulty):
    app, client, editor = faulty

    @app.teardown_request
    def outage_as_the_request_ends(_error):
        if getattr(app, "cut_at_teardown", False):
            app.cut_at_teardown = False
            private_postgres.stop()

    app.cut_at_teardown = True
    # An editor's read holds a session (and its transaction) until the request ends.
    response = client.get(THERAPY, headers=editor)
    assert response.status_code == 200 and response.json["slug"] == "checkpoint-inhibitors"
    private_postgres.start()
    assert client.get(THERAPY, headers=editor).status_code == 200
