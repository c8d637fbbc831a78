"""Synonyms over the API: tokens read them, editors write them (If-Match, validation, one set per
term), every change is audited and refreshes every cache, and the seed brings a set of them that
names what the content really says, and never overwrites an editor's."""

import json
import re

import pytest
import sqlalchemy as sa
import yaml

from service.domain import synonyms
from service.domain.db import db
from service.domain.models import SynonymSet
from service.domain.seeding import load_seed
from service.settings import PROJECT_ROOT
from service.web.schemas import CREATE_SCHEMAS
from tests.conftest import token_headers

URL = "/api/v1/synonyms"
SEED_DIR = PROJECT_ROOT / "seed"
SEEDED = yaml.safe_load((SEED_DIR / "synonyms.yaml").read_text())
NEW_SET = {"terms": ["Yervoy", "ipilimumab"]}


@pytest.fixture
def viewer(app):
    return token_headers(app, "viewer-di", "viewer")


@pytest.fixture
def ann(app):
    """An editor's token that belongs to the person ann."""
    return token_headers(app, "ann-laptop", "editor", person="ann")


def every_set(client, headers) -> list[dict]:
    response = client.get(URL, query_string={"page_size": 100}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def set_with(client, headers, term: str) -> dict:
    [found] = [entry for entry in every_set(client, headers) if term in entry["terms"]]
    return found


def create(client, headers, body=None):
    response = client.post(URL, json=body or NEW_SET, headers=headers)
    assert response.status_code == 201, response.json
    return response


def test_anonymous_readers_get_no_synonyms(client, editor):
    href = set_with(client, editor, "Keytruda")["href"]
    for url in (URL, href, f"{href}/revisions"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post(URL, json=NEW_SET).status_code == 401


def test_a_viewer_reads_synonyms_but_may_not_change_them(client, viewer):
    response = client.get(URL, query_string={"page_size": 5}, headers=viewer)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == len(SEEDED) and pagination["next_page"] == 2
    assert 'rel="next"' in response.headers["Link"]
    first = response.json[0]
    assert set(first) == {"id", "terms", "one_way", "version", "created_at", "updated_at", "href"}
    item = client.get(first["href"], headers=viewer)
    assert item.status_code == 200 and item.json == first
    etag = item.headers["ETag"]
    for method, body in (("post", NEW_SET), ("put", NEW_SET), ("delete", None)):
        url = URL if method == "post" else first["href"]
        refused = getattr(client, method)(url, json=body, headers=viewer | {"If-Match": etag})
        assert refused.status_code == 403, method
    assert client.get(first["href"], headers=viewer).json == first


def test_an_editor_creates_replaces_and_deletes_a_set_with_if_match(client, editor):
    created = create(client, editor)
    url, etag = created.headers["Location"], created.headers["ETag"]
    assert created.json["href"] == url and url.startswith(f"{URL}/")
    assert (created.json["terms"], created.json["one_way"], created.json["version"]) == (
        ["Yervoy", "ipilimumab"],
        False,
        1,
    )
    read = client.get(url, headers=editor)
    assert read.json == created.json and read.headers["ETag"] == etag
    assert client.get(url, headers=editor | {"If-None-Match": etag}).status_code == 304

    change = {"terms": ["Yervoy", "ipilimumab", "MDX-010"], "one_way": True}
    assert client.put(url, json=change, headers=editor).status_code == 428
    replaced = client.put(url, json=change, headers=editor | {"If-Match": etag})
    assert replaced.status_code == 200
    assert (replaced.json["terms"], replaced.json["one_way"], replaced.json["version"]) == (
        ["Yervoy", "ipilimumab", "MDX-010"],
        True,
        2,
    )
    assert replaced.headers["ETag"] != etag
    # Another editor who read version 1 cannot overwrite version 2 unseen.
    stale = client.put(url, json=NEW_SET, headers=editor | {"If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert client.get(url, headers=editor).json == replaced.json

    # A replacement that leaves `one_way` out makes the set two-way again.
    again = client.put(url, json=NEW_SET, headers=editor | {"If-Match": replaced.headers["ETag"]})
    assert (again.json["terms"], again.json["one_way"], again.json["version"]) == (
        NEW_SET["terms"],
        False,
        3,
    )

    assert client.delete(url, headers=editor).status_code == 428
    assert client.delete(url, headers=editor | {"If-Match": etag}).status_code == 412
    deleted = client.delete(url, headers=editor | {"If-Match": again.headers["ETag"]})
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get(url, headers=editor).status_code == 404
    assert "Yervoy" not in {term for entry in every_set(client, editor) for term in entry["terms"]}
    gone = client.put(url, json=NEW_SET, headers=editor | {"If-Match": again.headers["ETag"]})
    assert gone.status_code == 404


def test_a_replacement_with_the_same_terms_writes_nothing(client, editor):
    created = create(client, editor)
    url, etag = created.headers["Location"], created.headers["ETag"]
    search_etag = client.get("/api/v1/search", query_string={"q": "Yervoy"}).headers["ETag"]
    same = client.put(url, json=NEW_SET | {"note": "Nothing new."}, headers=editor | {"If-Match": etag})
    assert (same.status_code, same.headers["ETag"], same.json["version"]) == (200, etag, 1)
    assert [r["version"] for r in client.get(f"{url}/revisions", headers=editor).json] == [1]
    # No new content generation: cached searches stay good.
    cached = client.get(
        "/api/v1/search", query_string={"q": "Yervoy"}, headers={"If-None-Match": search_etag}
    )
    assert cached.status_code == 304


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"terms": ["Yervoy"]}, {"terms": ["Length must be between 2 and 20."]}),
        ({"terms": [f"term {n}" for n in range(21)]}, {"terms": ["Length must be between 2 and 20."]}),
        ({"terms": ["Yervoy", "i" * 61]}, {"terms": {"1": ["A term has 1 to 60 characters."]}}),
        ({"terms": ["Yervoy", ""]}, {"terms": {"1": ["A term has 1 to 60 characters."]}}),
        (
            {"terms": ["Yervoy", "ipi_limumab", "<b>x</b>", "a\tb"]},
            {
                "terms": {
                    "1": ["Only letters, digits, spaces, hyphens and apostrophes; not '_'."],
                    "2": ["Only letters, digits, spaces, hyphens and apostrophes; not '/' '<' '>'."],
                    "3": ["Only letters, digits, spaces, hyphens and apostrophes; not '\\t'."],
                }
            },
        ),
        ({"terms": ["Yervoy", " ipilimumab"]}, {"terms": {"1": ["No space at either end of a term."]}}),
        ({"terms": ["Yervoy", "--"]}, {"terms": {"1": ["A term needs a letter or a digit."]}}),
        ({"terms": ["Yervoy", 7]}, {"terms": {"1": ["Not a valid string."]}}),
        ({"terms": "Yervoy ipilimumab"}, {"terms": ["Not a valid list."]}),
        ({"one_way": True}, {"terms": ["Missing data for required field."]}),
        ({**NEW_SET, "one_way": "sometimes"}, {"one_way": ["Not a valid boolean."]}),
        ({**NEW_SET, "colour": "red"}, {"colour": ["Unknown field."]}),
        ({**NEW_SET, "note": "a", "change_note": "b"}, {"note": ["Send `change_note` or `note`, not both."]}),
    ],
)
def test_an_invalid_set_is_a_422_naming_each_problem_and_changes_nothing(client, editor, body, errors):
    before = every_set(client, editor)
    response = client.post(URL, json=body, headers=editor)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert response.json["errors"] == {"json": errors}
    assert every_set(client, editor) == before


@pytest.mark.parametrize(
    ("terms", "repeated"),
    [
        (["Yervoy", "yervoy"], "Yervoy"),
        (["Yérvoy", "ipilimumab", "YERVOY"], "Yérvoy"),
        (["anti CTLA-4 antibody", "anti  ctla-4  antibody"], "anti CTLA-4 antibody"),
        (["patients’ drug", "patients' drug"], "patients’ drug"),
    ],
)
def test_a_term_given_twice_in_a_set_is_a_422_whatever_its_case_accents_or_spacing(
    client, editor, terms, repeated
):
    response = client.post(URL, json={"terms": terms}, headers=editor)
    assert response.status_code == 422
    [(index, [message])] = response.json["errors"]["json"]["terms"].items()
    assert index == str(len(terms) - 1)
    assert message.startswith(f"The same term as {repeated!r}")


def test_a_term_another_set_expands_from_is_a_409_naming_it_and_that_set(client, editor):
    keytruda = set_with(client, editor, "Keytruda")
    before = every_set(client, editor)
    for body, term in (
        ({"terms": ["KEYTRUDA", "MK-3475"]}, "KEYTRUDA"),
        ({"terms": ["Keytrüda", "MK-3475"], "one_way": True}, "Keytrüda"),
        ({"terms": ["MK-3475", "Pembrolizumab"]}, "Pembrolizumab"),
    ):
        response = client.post(URL, json=body, headers=editor)
        assert response.status_code == 409, body
        assert response.content_type == "application/problem+json"
        assert response.json["detail"] == (
            f"A term belongs to one synonym set only: {term!r} is in {keytruda['href']}."
        )
    assert every_set(client, editor) == before

    # A one-way set's other terms are found, not expanded from: they may be in another set too.
    created = create(client, editor, {"terms": ["anti-PD-1 drugs", "pembrolizumab"], "one_way": True})
    # A set keeps its own terms in a replacement, respelled or not.
    own = client.put(
        keytruda["href"],
        json={"terms": ["KEYTRUDA", "pembrolizumab", "MK-3475"]},
        headers=editor | {"If-Match": client.get(keytruda["href"], headers=editor).headers["ETag"]},
    )
    assert own.status_code == 200 and own.json["terms"] == ["KEYTRUDA", "pembrolizumab", "MK-3475"]
    # A replacement clashes like a creation.
    clash = client.put(
        created.headers["Location"],
        json={"terms": ["mk-3475", "pembrolizumab"]},
        headers=editor | {"If-Match": created.headers["ETag"]},
    )
    assert clash.status_code == 409 and keytruda["href"] in clash.json["detail"]
    assert "'mk-3475'" in clash.json["detail"]


def test_the_audit_trail_names_who_made_each_change_and_why_also_after_a_delete(client, ann, editor):
    created = create(client, ann, NEW_SET | {"note": "Brand name of a drug we may add."})
    url = created.headers["Location"]
    replaced = client.put(
        url,
        json={"terms": ["Yervoy", "ipilimumab", "MDX-010"], "change_note": "Its code name."},
        headers=ann | {"If-Match": created.headers["ETag"]},
    )
    assert replaced.status_code == 200
    deleted = client.delete(
        url, headers=editor | {"If-Match": replaced.headers["ETag"], "X-Change-Note": "Not in the content."}
    )
    assert deleted.status_code == 204

    response = client.get(f"{url}/revisions", headers=ann)
    assert response.status_code == 200
    trail = [(r["version"], r["action"], r["author"], r["person"], r["note"]) for r in response.json]
    assert trail == [
        (1, "created", "ann-laptop", "ann", "Brand name of a drug we may add."),
        (2, "updated", "ann-laptop", "ann", "Its code name."),
        (3, "deleted", "editor-ann", "editor-ann", "Not in the content."),
    ]
    assert [(r["terms"], r["one_way"]) for r in response.json] == [
        (["Yervoy", "ipilimumab"], False),
        (["Yervoy", "ipilimumab", "MDX-010"], False),
        (["Yervoy", "ipilimumab", "MDX-010"], False),
    ]
    times = [revision["time"] for revision in response.json]
    assert times == sorted(times)
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert client.get(f"{URL}/999999/revisions", headers=ann).status_code == 404


def test_the_seeded_sets_were_made_by_the_seed(client, viewer):
    keytruda = set_with(client, viewer, "Keytruda")
    [revision] = client.get(f"{keytruda['href']}/revisions", headers=viewer).json
    assert (revision["action"], revision["author"], revision["person"]) == ("created", "seed", "seed")


def test_a_synonym_write_refreshes_every_cached_search_and_searched_list(client, editor):
    """Search expands queries with synonyms: a change of them is a change of every search, and
    of nothing else."""
    reads = ("/api/v1/search?q=pembrolizumab", "/api/v1/therapies?q=pembrolizumab", URL)
    untouched = client.get("/api/v1/therapies")
    etags = {}
    for url in reads:
        headers = editor if url == URL else {}
        first = client.get(url, headers=headers)
        assert first.status_code == 200
        etags[url] = first.headers["ETag"]
        assert client.get(url, headers=headers | {"If-None-Match": etags[url]}).status_code == 304

    created = create(client, editor)
    for url in reads:
        headers = editor if url == URL else {}
        again = client.get(url, headers=headers | {"If-None-Match": etags[url]})
        assert again.status_code == 200, url
        assert again.headers["ETag"] != etags[url]
        etags[url] = again.headers["ETag"]

    assert (
        client.get("/api/v1/therapies", headers={"If-None-Match": untouched.headers["ETag"]}).status_code
        == 304
    )

    client.delete(created.headers["Location"], headers=editor | {"If-Match": created.headers["ETag"]})
    after_delete = client.get(reads[0], headers={"If-None-Match": etags[reads[0]]})
    assert after_delete.status_code == 200 and after_delete.headers["ETag"] != etags[reads[0]]


def test_the_seed_brings_the_synonyms_of_the_content(client, viewer):
    sets = every_set(client, viewer)
    assert [(entry["terms"], entry["one_way"]) for entry in sets] == [
        (entry["terms"], entry.get("one_way", False)) for entry in SEEDED
    ]
    by_first = {entry["terms"][0]: entry for entry in sets}
    assert by_first["Keytruda"]["terms"] == ["Keytruda", "pembrolizumab"]
    assert by_first["Opdivo"]["terms"] == ["Opdivo", "nivolumab"]
    assert by_first["Herceptin"]["terms"] == ["Herceptin", "trastuzumab"]
    assert by_first["blood cancer"]["one_way"] and {"leukemia", "lymphoma"} <= set(
        by_first["blood cancer"]["terms"]
    )
    assert "leukemia" in by_first["leukaemia"]["terms"] and not by_first["leukaemia"]["one_way"]


CONTENT_FIELDS = {
    "therapies": ("name", "alternate_names", "summary", "body", "examples", "side_effects"),
    "mechanisms": ("name", "alternate_names", "summary", "body", "targets"),
    "indications": ("name", "alternate_names", "summary"),
    "faqs": ("question", "answer", "topics"),
}


def published_text(client) -> str:
    """The words readers are shown and search finds, folded as terms are compared."""
    parts = []
    for collection, names in CONTENT_FIELDS.items():
        for item in client.get(f"/api/v1/{collection}?page_size=100").json:
            for name in names:
                value = item[name] or []
                value = value["markdown"] if isinstance(value, dict) else value
                parts += value if isinstance(value, list) else [value]
    return synonyms.term_key(re.sub(r"\[\^[^\]]*\]", " ", "\n".join(parts)))


def test_every_seeded_set_leads_to_words_the_content_uses(client):
    """A set finds more only through a word the content has: in a two-way set, one of its terms;
    in a one-way set, each term a query for the first would also look for."""
    text = published_text(client)

    def used(term: str) -> bool:
        # From the start of a word: search stems, so `interferon` finds `interferons`.
        return re.search(rf"(?<!\w){re.escape(synonyms.term_key(term))}", text) is not None

    for entry in SEEDED:
        terms = entry["terms"]
        if entry.get("one_way"):
            assert not [term for term in terms[1:] if not used(term)], terms
        else:
            assert any(used(term) for term in terms), terms


def test_synonyms_are_never_part_of_the_content(client, editor):
    create(client, editor, {"terms": ["Yervoy", "ipilimumab"]})
    brand_names = ("Keytruda", "Opdivo", "Herceptin", "Yervoy")
    for collection in CONTENT_FIELDS:
        for item in client.get(f"/api/v1/{collection}?page_size=100").json:
            shown = [client.get(item["href"]).data, client.get(item["href"], headers=editor).data]
            shown.append(client.get(item["href"], headers={"Accept": "application/ld+json"}).data)
            for body in shown:
                assert not [name for name in brand_names if name.encode() in body], item["href"]
    index = client.get("/api/v1").json
    assert "synonyms" not in json.dumps(index["collections"])


def test_seeding_again_keeps_the_editors_synonyms(app, client, editor):
    keytruda = set_with(client, editor, "Keytruda")
    etag = client.get(keytruda["href"], headers=editor).headers["ETag"]
    changed = client.put(
        keytruda["href"],
        json={"terms": ["Keytruda", "pembrolizumab", "MK-3475"]},
        headers=editor | {"If-Match": etag},
    )
    assert changed.status_code == 200
    opdivo = set_with(client, editor, "Opdivo")
    etag = client.get(opdivo["href"], headers=editor).headers["ETag"]
    assert client.delete(opdivo["href"], headers=editor | {"If-Match": etag}).status_code == 204
    before = every_set(client, editor)

    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "synonyms: left alone" in result.output

    assert every_set(client, editor) == before
    assert set_with(client, editor, "Keytruda")["terms"] == ["Keytruda", "pembrolizumab", "MK-3475"]
    assert client.get(opdivo["href"], headers=editor).status_code == 404


def test_the_seed_brings_no_set_back_once_editors_deleted_them_all(app, client, editor):
    with app.app_context():
        for synonym_set in db.session.scalars(sa.select(SynonymSet)).all():
            synonyms.delete_synonym_set(synonym_set, author="editor-ann")
        report = load_seed(SEED_DIR, CREATE_SCHEMAS)
    assert report.synonyms_kept and report.synonym_sets == 0
    assert every_set(client, editor) == []


def test_a_database_seeded_before_synonyms_gets_them_from_the_next_seed(app, client, editor, tmp_path):
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM synonym_revisions"))
        db.session.execute(sa.text("DELETE FROM synonym_sets"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert f"synonyms: created {len(SEEDED)} sets" in result.output
    assert len(every_set(client, editor)) == len(SEEDED)


def test_a_term_of_only_stop_words_is_refused_and_apostrophes_do_not_make_a_new_term(client, editor):
    refused = client.post("/api/v1/synonyms", json={"terms": ["it", "melanoma"]}, headers=editor)
    assert refused.status_code == 422
    assert (
        client.post(
            "/api/v1/synonyms", json={"terms": ["Hodgkin's", "lymphoma type"]}, headers=editor
        ).status_code
        == 201
    )
    clash = client.post("/api/v1/synonyms", json={"terms": ["Hodgkins", "lymph node cancer"]}, headers=editor)
    assert clash.status_code == 409
