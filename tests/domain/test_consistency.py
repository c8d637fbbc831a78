"""`flask check` finds every broken invariant, and a worker killed in a burst of writes breaks none."""

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from service.domain.consistency import check_consistency
from service.domain.db import db
from tests.apps import make_app
from tests.conftest import token_headers
from tests.servers import running_server
from tests.workflow import approve

CONSISTENT = "consistent: every item's versions, revisions, search index and public JSON agree\n"

THERAPY = "/api/v1/therapies/checkpoint-inhibitors"


def _check(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["check"])
    return result.exit_code, result.output


def test_the_seeded_and_edited_content_is_consistent(app, client, editor, reviewer):
    etag = client.get(THERAPY, headers=editor).headers["ETag"]
    changed = client.patch(THERAPY, json={"summary": "Changed once."}, headers=editor | {"If-Match": etag})
    assert changed.status_code == 200
    # Changes waiting for review, then approved: consistent at each step.
    assert _check(app) == (0, CONSISTENT)
    approve(client, THERAPY, editor, reviewer, changed.headers["ETag"])
    published = client.get(f"{THERAPY}?preview=true", headers=editor).headers["ETag"]
    restored = client.post(f"{THERAPY}/revisions/1/restore", headers=editor | {"If-Match": published})
    assert restored.status_code == 200
    assert _check(app) == (0, CONSISTENT)
    approve(client, THERAPY, editor, reviewer, restored.headers["ETag"])
    assert _check(app) == (0, CONSISTENT)


def test_edited_and_restored_sources_are_consistent_and_not_indexed(app, client, editor):
    url = "/api/v1/sources/immunotherapy-key-points"
    etag = client.get(url, headers=editor).headers["ETag"]
    changed = client.patch(url, json={"published_on": "2024-02-29"}, headers=editor | {"If-Match": etag})
    assert changed.status_code == 200
    client.post(f"{url}/revisions/1/restore", headers=editor | {"If-Match": changed.headers["ETag"]})
    assert _check(app) == (0, CONSISTENT)


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        ("DELETE FROM revisions WHERE version = 1 AND item_id = {id}", "but revisions"),
        ("UPDATE therapies SET summary = 'Written around the editing path.' WHERE id = {id}", "not the item"),
        ("UPDATE content_items SET version = version + 1 WHERE id = {id}", "but revisions"),
        ("DELETE FROM search_index WHERE {index_id} = {id}", "search index does not hold"),
        (
            "UPDATE content_items SET created_at = '2999-01-01 00:00:00' WHERE id = {id}",
            "is before created_at",
        ),
        ("UPDATE content_items SET title_key = 'out of step' WHERE id = {id}", "title_key"),
    ],
)
def test_each_broken_invariant_is_reported(backend, app, damage, found):
    index_id = "rowid" if backend.name == "sqlite" else "item_id"
    with app.app_context():
        item_id = db.session.scalar(
            sa.text("SELECT id FROM content_items WHERE slug = 'checkpoint-inhibitors'")
        )
        db.session.execute(sa.text(damage.format(id=item_id, index_id=index_id)))
        db.session.commit()
        problems = check_consistency()
    assert any(found in problem and "checkpoint-inhibitors" in problem for problem in problems), problems
    exit_code, output = _check(app)
    assert exit_code == 1 and found in output


def _request(method: str, url: str, headers: dict, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, None


def test_a_worker_killed_in_a_burst_of_writes_leaves_everything_consistent(backend):
    url = backend.databases.copy(backend.template_url)
    app = make_app(url)
    editor = token_headers(app, "editor-burst", "editor")
    slugs = ["checkpoint-inhibitors", "car-t-cell-therapy", "cytokines", "cancer-vaccines"]
    saved = []  # (slug, version, summary) of every write the service acknowledged
    failures = []
    gunicorn = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]
    server = running_server(
        gunicorn, url, WEB_CONCURRENCY="2", LOG_LEVEL="WARNING", RATELIMIT_ENABLED="false"
    )
    with server as (base, process):

        def write_many(slug: str) -> None:
            for n in range(25):
                try:
                    # The latest version's ETag: after the first write, a change waits for review.
                    status, headers, _ = _request(
                        "GET", f"{base}/api/v1/therapies/{slug}?preview=true", editor
                    )
                    if status != 200:
                        continue
                    summary = f"{slug} burst write {n}."
                    status, _, body = _request(
                        "PATCH",
                        f"{base}/api/v1/therapies/{slug}",
                        editor | {"If-Match": headers["ETag"]},
                        {"summary": summary},
                    )
                    if status == 200:
                        saved.append((slug, body["version"], summary))
                except (OSError, http.client.HTTPException):
                    pass  # the connection died with the worker: the client cannot know, the check will
                except Exception as error:  # anything else is a failure, reported below
                    failures.append(repr(error))

        writers = [threading.Thread(target=write_many, args=(slug,)) for slug in slugs]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(saved) < 10:
            assert time.monotonic() < deadline, "the writes did not get going"
            time.sleep(0.02)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
        assert workers.stdout.split(), "gunicorn has no worker to kill"
        os.kill(int(workers.stdout.split()[0]), signal.SIGKILL)
        for writer in writers:
            writer.join(timeout=120)
    try:
        assert failures == []
        with app.app_context():
            assert check_consistency() == []
            # Nothing acknowledged was lost.
            for slug, version, summary in saved:
                snapshot = db.session.execute(
                    sa.text(
                        "SELECT r.snapshot FROM revisions r JOIN content_items i ON i.id = r.item_id "
                        "WHERE i.slug = :slug AND r.version = :version"
                    ),
                    {"slug": slug, "version": version},
                ).scalar_one()
                snapshot = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
                assert snapshot["summary"] == summary
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        backend.databases.drop(url)
