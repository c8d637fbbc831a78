"""Compressed responses: gzip and brotli bodies that decode to the same JSON, `Vary:
Accept-Encoding`, validators good across encodings, and a response cache that never mixes them."""

import gzip
import json

import brotli
import pytest

from service.web.compression import MIN_SIZE, negotiated_encoding
from tests.workflow import approve, preview_etag

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
URLS = [
    "/api/v1/faqs",
    "/api/v1/therapies/checkpoint-inhibitors",
    "/api/v1/search?q=immunotherapy",
    "/api/v1/openapi.json",
]


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    return DECODE[encoding](response.data) if encoding else response.data


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_body_is_compressed_as_asked_and_decodes_to_the_same_json(client, url, encoding):
    plain = client.get(url)
    compressed = client.get(url, headers={"Accept-Encoding": encoding})
    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == encoding
    assert json.loads(decoded(compressed)) == plain.json
    assert int(compressed.headers["Content-Length"]) == len(compressed.data) < len(plain.data) / 3
    for response in (plain, compressed):
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "Authorization" in response.headers["Vary"]


def test_brotli_is_preferred_and_q_values_are_honoured(client):
    def encoding(accept: str) -> str | None:
        return client.get("/api/v1/faqs", headers={"Accept-Encoding": accept}).headers.get("Content-Encoding")

    assert encoding("gzip, deflate, br, zstd") == "br"
    assert encoding("br;q=0.5, gzip") == "gzip"
    assert encoding("deflate") is None
    assert encoding("identity") is None


def test_small_bodies_304s_204s_and_errors_stay_plain(client, editor):
    accept = {"Accept-Encoding": "gzip, br"}
    small = client.get("/healthz", headers=accept)
    assert len(small.data) < MIN_SIZE and "Content-Encoding" not in small.headers
    assert "Accept-Encoding" in small.headers["Vary"]
    etag = client.get("/api/v1/faqs", headers=accept).headers["ETag"]
    unchanged = client.get("/api/v1/faqs", headers=accept | {"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert "Content-Encoding" not in unchanged.headers
    made = client.post("/api/v1/synonyms", json={"terms": ["abc", "abd"]}, headers=editor)
    deleted = client.delete(
        made.headers["Location"], headers=editor | accept | {"If-Match": made.headers["ETag"]}
    )
    assert deleted.status_code == 204 and "Content-Encoding" not in deleted.headers
    missing = client.get("/api/v1/faqs/nothing-here", headers=accept)
    assert missing.status_code == 404 and missing.json["status"] == 404


@pytest.mark.parametrize("first, then", [("gzip", None), (None, "gzip"), ("br", "gzip"), ("gzip", "br")])
def test_an_etag_from_one_encoding_revalidates_in_another(uncached_app, first, then):
    # The views answer here (the cache is off); the next test does it with the cache.
    client = uncached_app.test_client()
    for url in ("/api/v1/faqs", "/api/v1/therapies/cytokines", "/api/v1"):
        held = client.get(url, headers={"Accept-Encoding": first} if first else {})
        asked = {"If-None-Match": held.headers["ETag"]} | ({"Accept-Encoding": then} if then else {})
        answer = client.get(url, headers=asked)
        assert answer.status_code == 304, url
        # The 304 names the tag the client holds.
        assert answer.headers["ETag"] == held.headers["ETag"]


def test_the_cache_keeps_encodings_apart_and_answers_304_in_each(client, app):
    cache = app.extensions["response_cache"]
    url = "/api/v1/faqs?page_size=10"
    before = len(cache)
    answers = {}
    for _ in range(2):
        for encoding in ("gzip", "br", None):
            headers = {"Accept-Encoding": encoding} if encoding else {}
            response = client.get(url, headers=headers)
            assert response.headers.get("Content-Encoding") == encoding
            answers.setdefault(encoding, response)
            assert response.data == answers[encoding].data
    assert len(cache) == before + 3
    plain = json.loads(answers[None].data)
    assert all(json.loads(decoded(answers[encoding])) == plain for encoding in ("gzip", "br"))
    # Any encoding's tag, in any encoding, from memory.
    for held in answers.values():
        for encoding in ("gzip", "br", None):
            headers = {"If-None-Match": held.headers["ETag"]}
            if encoding:
                headers["Accept-Encoding"] = encoding
            assert client.get(url, headers=headers).status_code == 304


def test_a_body_the_cache_key_did_not_expect_is_not_kept(client, app):
    # flask-compress compresses for a refused `gzip;q=0`; that answer must not serve anyone else.
    cache = app.extensions["response_cache"]
    before = len(cache)
    client.get("/api/v1/faqs", headers={"Accept-Encoding": "gzip;q=0"})
    assert len(cache) == before
    assert "Content-Encoding" not in client.get("/api/v1/faqs").headers


def test_a_compressed_answers_etag_is_good_for_if_match(client, editor, reviewer):
    url = "/api/v1/therapies/cytokines"
    held = client.get(f"{url}?preview=true", headers=editor | {"Accept-Encoding": "gzip"})
    assert held.headers["Content-Encoding"] == "gzip" and held.headers["ETag"].endswith(':gzip"')
    changed = client.patch(
        url, json={"summary": "Changed."}, headers=editor | {"If-Match": held.headers["ETag"]}
    )
    assert changed.status_code == 200, changed.json
    stale = client.patch(url, json={"summary": "Lost."}, headers=editor | {"If-Match": held.headers["ETag"]})
    assert stale.status_code == 412
    approve(client, url, editor, reviewer, changed.headers["ETag"])
    # A public read's compressed tag, when no change waits.
    public = client.get(url, headers={"Accept-Encoding": "br"})
    assert public.headers["ETag"].endswith(':br"')
    again = client.patch(
        url, json={"summary": "Again."}, headers=editor | {"If-Match": public.headers["ETag"]}
    )
    assert again.status_code == 200, again.json
    assert preview_etag(client, url, editor) == again.headers["ETag"]


def test_a_suffixed_spelling_of_a_synonym_sets_etag_is_good_for_if_match(client, editor):
    made = client.post("/api/v1/synonyms", json={"terms": ["lymph gland", "lymph node"]}, headers=editor)
    assert made.status_code == 201, made.json
    url, tag = made.headers["Location"], made.headers["ETag"]
    # Too small to compress; a client that held it compressed would send the suffixed spelling.
    assert client.get(url, headers=editor | {"If-None-Match": tag[:-1] + ':gzip"'}).status_code == 304
    replaced = client.put(
        url,
        json={"terms": ["lymph gland", "lymph node", "node"]},
        headers=editor | {"If-Match": tag[:-1] + ':br"'},
    )
    assert replaced.status_code == 200, replaced.json


def test_weak_tags_never_match_if_match(client, editor):
    url = "/api/v1/therapies/cytokines"
    etag = preview_etag(client, url, editor)
    weak = client.patch(url, json={"summary": "Weak."}, headers=editor | {"If-Match": f"W/{etag}"})
    assert weak.status_code == 412


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, None),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        ("gzip;q=0, *", "br"),
        ("gzip;q=0", None),
        ("identity", None),
    ],
)
def test_the_cache_key_names_the_encoding_negotiated(header, expected):
    assert negotiated_encoding(header) == expected
