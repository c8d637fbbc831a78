"""Two editors never overwrite each other: of many PATCHes with one ETag, exactly one wins. Of a
published item, each PATCH proposes the same pending version: exactly one is kept."""

import threading

import sqlalchemy as sa

from service.domain.db import db
from service.domain.models import Revision

WRITERS = 8


def test_concurrent_patches_with_the_same_etag_let_exactly_one_through(app, editor):
    url = "/api/v1/therapies/cytokines"
    before = app.test_client().get(url)
    etag = before.headers["ETag"]
    barrier = threading.Barrier(WRITERS)
    statuses: dict[int, int] = {}

    def write(number: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.patch(
            url, json={"summary": f"Summary by writer {number}."}, headers=editor | {"If-Match": etag}
        )
        statuses[number] = response.status_code

    threads = [threading.Thread(target=write, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses.values()) == [200] + [412] * (WRITERS - 1)
    winner = next(number for number, status in statuses.items() if status == 200)
    # The public version stays until review; the winner's change is the latest version.
    public = app.test_client().get(url).json
    assert public == before.json and public["version"] == 1
    item = app.test_client().get(f"{url}?preview=true", headers=editor).json
    assert (item["version"], item["published_version"], item["status"]) == (2, 1, "draft")
    assert item["summary"] == f"Summary by writer {winner}."
    with app.app_context():
        revisions = db.session.scalars(
            sa.select(Revision).join(Revision.item).filter_by(slug="cytokines")
        ).all()
        assert [revision.version for revision in revisions] == [1, 2]
        assert revisions[1].snapshot["summary"] == item["summary"]
