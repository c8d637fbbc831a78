"""Publishing through review over HTTP: an editor submits the latest version, a reviewer (another
person) approves it. Each step's status is asserted."""

from flask.testing import FlaskClient


def preview_etag(client: FlaskClient, url: str, headers: dict[str, str]) -> str:
    """The ETag of the item's latest version (a pending change, or the item), as `?preview=true`
    answers it: what writes and review steps take as If-Match."""
    response = client.get(f"{url}?preview=true", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def submit(client: FlaskClient, url: str, editor: dict[str, str], etag: str | None = None):
    """The latest version goes to review (draft -> in_review); the response of the submit."""
    etag = etag or preview_etag(client, url, editor)
    response = client.post(f"{url}/submit", headers=editor | {"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "in_review"
    return response


def approve(
    client: FlaskClient,
    url: str,
    editor: dict[str, str],
    reviewer: dict[str, str],
    etag: str | None = None,
):
    """Submits the latest version (with `etag`, or `?preview=true`'s) and approves it: the
    response of the approval, the item published."""
    submitted = submit(client, url, editor, etag)
    response = client.post(f"{url}/approve", headers=reviewer | {"If-Match": submitted.headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "published"
    return response


def create_published(
    client: FlaskClient,
    collection_url: str,
    body: dict,
    editor: dict[str, str],
    reviewer: dict[str, str],
):
    """Creates an item (a draft) and publishes it through review: the approval's response."""
    created = client.post(collection_url, json=body, headers=editor)
    assert created.status_code == 201, created.get_json()
    return approve(client, created.headers["Location"], editor, reviewer, created.headers["ETag"])
