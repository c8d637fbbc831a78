"""Review before anything goes live: pending changes beside the published version, four eyes, roles,
review dates, and nothing pending ever reaching a reader without a token."""

import pytest
import sqlalchemy as sa

from service.domain import review
from service.domain.db import db
from service.domain.models import Revision
from tests.apps import app_on
from tests.conftest import token_headers
from tests.workflow import approve, preview_etag, submit

URL = "/api/v1/therapies/cytokines"
PENDING = "Interleukins pending review"


def change(client, headers, url=URL, body=None):
    body = body or {"summary": f"{PENDING}: a summary no reader may see yet."}
    response = client.patch(
        url, json=body, headers=headers | {"If-Match": preview_etag(client, url, headers)}
    )
    assert response.status_code == 200, response.json
    return response


def test_a_change_waits_beside_the_published_version_until_another_person_approves_it(
    client, editor, reviewer
):
    public = client.get(URL).json
    pending = change(client, editor).json
    assert (pending["status"], pending["version"], pending["published_version"]) == ("draft", 2, 1)
    assert client.get(URL).json == public
    assert client.get(URL, headers=editor).json["summary"] == public["summary"]
    preview = client.get(f"{URL}?preview=true", headers=editor).json
    assert preview["summary"].startswith(PENDING) and preview["status"] == "draft"

    approved = approve(client, URL, editor, reviewer).json
    assert (approved["version"], approved["published_version"]) == (4, 4)
    assert client.get(URL).json["summary"].startswith(PENDING)
    assert approved["review"]["reviewed_by"] == "reviewer-cy"
    actions = [
        (r["version"], r["action"], r["status"]) for r in client.get(f"{URL}/revisions", headers=editor).json
    ]
    assert actions[:3] == [
        (4, "published", "published"),
        (3, "submitted", "in_review"),
        (2, "updated", "draft"),
    ]


def test_publishing_by_a_write_is_refused_before_any_other_check(client, editor):
    for method, url in (("post", "/api/v1/therapies"), ("patch", URL), ("put", URL)):
        # No If-Match, a body the schema would refuse: the 403 comes first, naming approval.
        response = getattr(client, method)(url, json={"status": "published", "colour": 1}, headers=editor)
        assert response.status_code == 403 and "approve" in response.json["detail"], (method, url)


def test_four_eyes_compare_people_not_tokens(app, client, editor):
    same_person = token_headers(app, "ann-reviewing", "reviewer", person="editor-ann")
    change(client, editor)
    submitted = submit(client, URL, editor)
    refused = client.post(f"{URL}/approve", headers=same_person | {"If-Match": submitted.headers["ETag"]})
    assert refused.status_code == 403 and "four eyes" in refused.json["detail"]
    other = token_headers(app, "bo-reviewing", "reviewer", person="bo")
    assert (
        client.post(f"{URL}/approve", headers=other | {"If-Match": submitted.headers["ETag"]}).status_code
        == 200
    )


def test_roles_viewer_reads_previews_editor_cannot_approve(app, client, editor):
    viewer = token_headers(app, "preview-app", "viewer")
    change(client, editor)
    assert client.get(f"{URL}?preview=true", headers=viewer).json["summary"].startswith(PENDING)
    assert client.get(f"{URL}?preview=true").status_code == 401
    etag = preview_etag(client, URL, viewer)
    assert client.patch(URL, json={"summary": "x"}, headers=viewer | {"If-Match": etag}).status_code == 403
    submitted = submit(client, URL, editor)
    other_editor = token_headers(app, "editor-dee", "editor")
    response = client.post(f"{URL}/approve", headers=other_editor | {"If-Match": submitted.headers["ETag"]})
    assert response.status_code == 403


def test_a_rejection_needs_a_note_and_sends_the_change_back_to_draft(client, editor, reviewer):
    change(client, editor)
    etag = submit(client, URL, editor).headers["ETag"]
    assert client.post(f"{URL}/reject", headers=reviewer | {"If-Match": etag}).status_code == 422
    rejected = client.post(
        f"{URL}/reject", headers=reviewer | {"If-Match": etag, "X-Change-Note": "Cite it."}
    )
    assert rejected.status_code == 200 and rejected.json["status"] == "draft"
    # The reviewer who rejected wrote nothing: they may approve the next submission.
    approve(client, URL, editor, reviewer)


def test_approving_needs_what_is_in_review_and_a_current_etag(client, editor, reviewer):
    etag = change(client, editor).headers["ETag"]
    assert client.post(f"{URL}/approve", headers=reviewer | {"If-Match": etag}).status_code == 409
    submitted = submit(client, URL, editor)
    assert client.post(f"{URL}/approve", headers=reviewer).status_code == 428
    assert client.post(f"{URL}/approve", headers=reviewer | {"If-Match": etag}).status_code == 412
    assert (
        client.post(f"{URL}/approve", headers=reviewer | {"If-Match": submitted.headers["ETag"]}).status_code
        == 200
    )


def test_a_reviewer_re_confirms_an_unchanged_item_and_its_review_dates_move_on(client, editor, reviewer):
    seeded = client.get(URL).json["review"]
    assert seeded["reviewed_by"] == "seed" and seeded["next_review_due"] > seeded["last_reviewed_on"]
    confirmed = client.post(
        f"{URL}/reviews", headers=reviewer | {"If-Match": client.get(URL).headers["ETag"]}
    )
    assert confirmed.status_code == 200 and confirmed.json["version"] == 2
    assert client.get(URL).json["review"]["reviewed_by"] == "reviewer-cy"
    change(client, editor)
    etag = preview_etag(client, URL, reviewer)
    assert client.post(f"{URL}/reviews", headers=reviewer | {"If-Match": etag}).status_code == 409


def test_reviews_due_lists_changes_in_review_and_overdue_items_oldest_first(
    backend, client, editor, reviewer
):
    assert client.get("/api/v1/reviews/due").status_code == 401
    assert client.get("/api/v1/reviews/due", headers=editor).json == []
    change(client, editor)
    submit(client, URL, editor)
    due = client.get("/api/v1/reviews/due", headers=reviewer).json
    assert [(entry["slug"], entry["reason"]) for entry in due] == [("cytokines", "in_review")]

    # With an interval of 0 months, every published item is due: oldest review first.
    url = backend.databases.copy(backend.template_url)
    with app_on(url, review_interval_months=0) as app:
        overdue = app.test_client().get("/api/v1/reviews/due", headers=token_headers(app, "v", "viewer")).json
    backend.databases.drop(url)
    assert len(overdue) >= 40 and {entry["reason"] for entry in overdue} == {"review_overdue"}
    assert [entry["since"] for entry in overdue] == sorted(entry["since"] for entry in overdue)


def test_a_new_source_is_published_only_by_another_persons_approval(client, editor, reviewer):
    created = client.post(
        "/api/v1/sources", json={"title": "A new report", "text": "A long enough text."}, headers=editor
    )
    assert created.status_code == 201 and created.json["status"] == "draft"
    url = created.headers["Location"]
    assert client.get(url).status_code == 404
    approve(client, url, editor, reviewer, created.headers["ETag"])
    assert client.get(url).json["status"] == "published"


def test_nothing_pending_reaches_a_reader_without_a_token(app, client, editor):
    public = {path: client.get(path) for path in (URL, "/api/v1/therapies", "/api/v1/search?q=interleukins")}
    feed = client.get("/api/v1/changes").json["next_cursor"]
    cited_by = client.get("/api/v1/sources/immunotherapy-key-points").json["cited_by"]
    change(client, editor)
    # A citation added while pending: counts do not move either.
    sources = client.get(f"{URL}?preview=true", headers=editor).json["sources"]
    extra = {
        "source": "immunotherapy-key-points",
        "quote": "Immunotherapy has been approved to treat a variety",
    }
    change(client, editor, body={"sources": [*sources, extra]})
    submit(client, URL, editor)
    for path, before in public.items():
        after = client.get(path)
        assert PENDING not in after.get_data(as_text=True), path
        assert after.get_data() == before.get_data(), path
        assert client.get(path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304, path
    # Words only the pending version has find nothing; its snippet never shows them.
    assert "cytokines" not in [hit["slug"] for hit in client.get("/api/v1/search?q=pending").json]
    assert "pending" not in str(client.get("/api/v1/search?q=interleukins").json).lower()
    assert client.get(f"/api/v1/changes?since={feed}").json["changes"] == []
    assert client.get("/api/v1/sources/immunotherapy-key-points").json["cited_by"] == cited_by


@pytest.mark.parametrize("path", [URL, "/api/v1/therapies", "/api/v1/search?q=cytokines"])
def test_the_response_cache_never_holds_a_pending_version(backend, path):
    url = backend.databases.copy(backend.template_url)
    with app_on(url) as app:
        client = app.test_client()
        before = client.get(path).get_data()
        editor = token_headers(app, "editor-ann", "editor")
        change(client, editor)
        submit(client, URL, editor)
        assert client.get(path).get_data() == before
    backend.databases.drop(url)


def test_the_interval_setting_is_read_from_the_environment():
    from service.settings import Settings

    assert Settings.from_env({}).review_interval_months == 12
    assert Settings.from_env({"REVIEW_INTERVAL_MONTHS": "6"}).review_interval_months == 6


def test_restoring_a_published_version_of_an_archived_item_makes_a_draft_not_a_publication(
    client, editor, reviewer
):
    archived = client.delete(URL, headers=editor | {"If-Match": preview_etag(client, URL, editor)})
    assert archived.status_code == 200 and client.get(URL).status_code == 404
    restored = client.post(
        f"{URL}/revisions/1/restore", headers=editor | {"If-Match": archived.headers["ETag"]}
    )
    assert restored.status_code == 200 and restored.json["status"] == "draft"
    assert client.get(URL).status_code == 404
    approve(client, URL, editor, reviewer)
    assert client.get(URL).json["status"] == "published"


def test_an_approval_never_leaves_behind_a_change_made_meanwhile(app, client, editor, reviewer, monkeypatch):
    change(client, editor)
    submitted = submit(client, URL, editor)
    check_authors = review.authors_since_published

    def another_change_commits_meanwhile(item):
        # Another editor's change commits while the approval is under way, on its own session.
        with app.app_context():
            snapshot = db.session.scalar(sa.select(Revision.snapshot).filter_by(item_id=item.id, version=3))
            db.session.add(
                Revision(
                    item_id=item.id,
                    version=4,
                    action="updated",
                    status="draft",
                    slug=item.slug,
                    snapshot=snapshot | {"status": "draft"},
                    author="editor-dee",
                    person="editor-dee",
                )
            )
            db.session.commit()
        return check_authors(item)

    monkeypatch.setattr(review, "authors_since_published", another_change_commits_meanwhile)
    response = client.post(f"{URL}/approve", headers=reviewer | {"If-Match": submitted.headers["ETag"]})
    assert response.status_code == 412
    monkeypatch.undo()
    preview = client.get(f"{URL}?preview=true", headers=editor).json
    assert (preview["version"], preview["status"]) == (4, "draft")
    assert client.get(URL).json["version"] == 1
