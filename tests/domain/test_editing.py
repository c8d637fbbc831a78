"""Two editors never overwrite each other: of many PATCHes with one ETag, exactly one wins. Of a
published item, each PATCH proposes the same pending version: exactly one is kept. Every item's
times are in order."""

import threading

import sqlalchemy as sa

from service.domain.db import db
from service.domain.models import ContentItem, Revision
from tests.backed import BACKED_THERAPY
from tests.workflow import approve, create_published, preview_etag

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


def _times(app) -> list[sa.Row]:
    with app.app_context():
        columns = (ContentItem.slug, ContentItem.created_at, ContentItem.published_at, ContentItem.updated_at)
        return db.session.execute(sa.select(*columns)).all()


def _out_of_order(rows: list[sa.Row]) -> list[str]:
    """Items not created, then (if ever) published, then last changed, in that order."""
    return [
        slug for slug, created, published, updated in rows if not created <= (published or created) <= updated
    ]


def test_every_item_is_created_before_it_is_published_or_changed(app, client, editor, reviewer):
    seeded = _times(app)
    assert seeded and _out_of_order(seeded) == []
    # The seed makes each item published in one step: one moment for all three.
    assert all(created == published == updated for _slug, created, published, updated in seeded)
    url = create_published(client, "/api/v1/therapies", BACKED_THERAPY, editor, reviewer).json["href"]
    etag = preview_etag(client, url, editor)
    assert (
        client.patch(url, json={"summary": "Changed."}, headers=editor | {"If-Match": etag}).status_code
        == 200
    )
    approve(client, url, editor, reviewer)
    faq = "/api/v1/faqs/what-are-checkpoint-inhibitors"
    assert (
        client.delete(faq, headers=editor | {"If-Match": client.get(faq).headers["ETag"]}).status_code == 200
    )
    draft = client.post("/api/v1/mechanisms", json={"name": "Drafted", "summary": "A draft."}, headers=editor)
    assert draft.status_code == 201
    rows = _times(app)
    assert len(rows) == len(seeded) + 2 and _out_of_order(rows) == []
