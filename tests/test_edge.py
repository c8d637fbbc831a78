"""The edge, for real: Debian's nginx on edge/edge.conf.template in front of the service under
gunicorn, on each database. What a reader notices: a published change shows within seconds, a
withdrawn item goes at once and no outage brings it back, a stopped service still has its reads
answered (for as long as stale-if-error says, no longer), a token's reads are never kept, each
representation and encoding is kept apart, each visitor keeps a rate-limit budget of their own,
and nginx's own refusals are problem+json."""

import json
import time
from contextlib import contextmanager

import pytest

from edge.nginx import running_edge
from tests.apps import app_on
from tests.conftest import token_headers
from tests.servers import Answer, free_port, nginx_or_skip, running_server, send

ITEM = "/api/v1/therapies/cytokines"
GUNICORN = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]


@pytest.fixture(scope="session")
def nginx() -> str:
    return nginx_or_skip()


@pytest.fixture
def edge(backend, nginx, tmp_path):
    """`edge(**settings)`: the service on a fresh copy of the seeded database, trusting one proxy,
    with the edge in front; yields the edge's URL, the service's process, an editor's and a
    reviewer's headers and the service's log file."""
    url = backend.databases.copy(backend.template_url)

    @contextmanager
    def start(**settings: str):
        with app_on(url) as app:
            people = token_headers(app, "editor-ann", "editor"), token_headers(app, "reviewer-cy", "reviewer")
        log = tmp_path / "service.log"
        settings = {"TRUSTED_PROXIES": "1", "WEB_CONCURRENCY": "1", "LOG_LEVEL": "INFO"} | settings
        with running_server(GUNICORN, url, log_path=log, **settings) as (service_url, service):
            upstream = service_url.removeprefix("http://")
            with running_edge(tmp_path / "edge", free_port(), [upstream], nginx=nginx) as base:
                yield base, service, *people, log

    yield start
    backend.databases.drop(url)


def get(base: str, path: str, **kwargs) -> Answer:
    return send(base, "GET", path, **kwargs)


def cache_status(answer: Answer) -> str:
    return answer.headers["X-Cache-Status"]


def wait_for(base: str, path: str, accepted, seconds: float) -> Answer:
    """The first answer to GET `path` that `accepted` takes, asked again and again; fails past `seconds`."""
    deadline = time.monotonic() + seconds
    while not accepted(answer := get(base, path)):
        assert time.monotonic() < deadline, f"not within {seconds} s: {answer.status} {answer.body[:200]}"
        time.sleep(0.1)
    return answer


def approve(base: str, url: str, editor: dict, reviewer: dict, etag: str) -> None:
    """The latest version (`etag`) submitted by the editor and approved by the reviewer: published."""
    submitted = send(base, "POST", f"{url}/submit", headers=editor | {"If-Match": etag})
    assert submitted.status == 200, submitted.json()
    approval = reviewer | {"If-Match": submitted.headers["ETag"]}
    approved = send(base, "POST", f"{url}/approve", headers=approval)
    assert approved.status == 200, approved.json()


def stop(service) -> None:
    service.terminate()
    service.wait(timeout=30)


def assert_problem(answer: Answer, status: int) -> dict:
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


def test_a_published_change_shows_through_the_edge_within_seconds(edge):
    with edge(SHARED_MAX_AGE="2") as (base, _service, editor, reviewer, log):
        first = get(base, ITEM, headers={"X-Request-ID": "first-read"})
        assert (first.status, cache_status(first)) == (200, "MISS")
        again = get(base, ITEM, headers={"X-Request-ID": "second-read"})
        assert (cache_status(again), again.body) == ("HIT", first.body)
        # A copy answers the request it is sent to, id and all.
        assert (first.headers["X-Request-ID"], again.headers["X-Request-ID"]) == ("first-read", "second-read")
        # Expired, the copy is revalidated with its ETag: the service answers 304, no body.
        time.sleep(3.1)
        assert cache_status(get(base, ITEM)) == "REVALIDATED"

        etag = get(base, f"{ITEM}?preview=true", headers=editor).headers["ETag"]
        change = {"summary": "Signalling proteins, read through the edge."}
        changed = send(base, "PATCH", ITEM, headers=editor | {"If-Match": etag}, body=change)
        assert changed.status == 200
        approve(base, ITEM, editor, reviewer, changed.headers["ETag"])
        # s-maxage=2, counted in whole seconds by nginx: 3 s at most, and a second of slack.
        shown = wait_for(base, ITEM, lambda answer: answer.json()["summary"] == change["summary"], 4)
        assert shown.headers["ETag"] != first.headers["ETag"]
    served = [json.loads(line) for line in log.read_text().splitlines() if '"request_id"' in line]
    # The copy's hit never reached the service; the miss did, under the reader's own id.
    assert {"first-read"} <= {line["request_id"] for line in served}
    assert "second-read" not in {line["request_id"] for line in served}


def test_a_withdrawn_item_leaves_the_edge_at_once_and_no_outage_brings_it_back(edge):
    with edge() as (base, service, editor, _reviewer, _log):
        assert get(base, ITEM).status == 200
        assert cache_status(get(base, ITEM)) == "HIT"
        etag = get(base, f"{ITEM}?preview=true", headers=editor).headers["ETag"]
        assert send(base, "DELETE", ITEM, headers=editor | {"If-Match": etag}).status == 200
        # s-maxage=1: the edge asks again within two seconds (whole seconds; a second more for a
        # busy machine), and the 404 it gets takes the copy's place.
        gone = wait_for(base, ITEM, lambda answer: answer.status == 404, 3)
        assert_problem(gone, 404)
        assert cache_status(get(base, ITEM)) in ("HIT", "EXPIRED")
        stop(service)
        # The service is down and the edge's copy of the 404 expired: stale-if-error serves the
        # 404, never the item it replaced.
        time.sleep(2.1)
        during = get(base, ITEM)
        assert (during.status, cache_status(during)) == (404, "STALE")


def test_a_stopped_service_still_has_its_reads_answered_until_stale_if_error_ends(edge):
    lists = "/api/v1/therapies?page_size=5"
    with edge(STALE_IF_ERROR="3") as (base, service, _editor, _reviewer, _log):
        fetched = get(base, lists)
        kept = time.monotonic()
        assert (fetched.status, cache_status(fetched)) == (200, "MISS")
        stop(service)
        answers = []
        while not answers or answers[-1][1].status == 200:
            answer = get(base, lists)
            answers.append((time.monotonic() - kept, answer))
            assert answers[-1][0] < 10, "the copy outlived stale-if-error"
            time.sleep(0.2)
        # The copy, past its second of s-maxage, while the service is down.
        stale = [at for at, answer in answers if answer.status == 200 and cache_status(answer) == "STALE"]
        assert stale and max(stale) >= 2
        assert all(answer.body == fetched.body for _, answer in answers[:-1])
        # Then no longer: 1 s + 3 s, in whole seconds, and then the edge's own problem.
        ended_at, ended = answers[-1]
        assert ended_at <= 1 + 3 + 2
        assert "cannot be reached" in assert_problem(ended, 502)["detail"]
        # What the edge never kept has nothing to fall back on.
        assert_problem(get(base, "/api/v1/faqs"), 502)


def test_a_read_with_a_token_is_never_kept_nor_shown_to_anyone_else(edge):
    with edge() as (base, _service, editor, _reviewer, _log):
        faq = {"question": "A draft?", "answer": "Not yet published."}
        draft = send(base, "POST", "/api/v1/faqs", headers=editor, body=faq)
        assert draft.status == 201
        url = draft.headers["Location"]
        for _ in range(2):
            mine = get(base, url, headers=editor)
            assert (mine.status, cache_status(mine)) == (200, "BYPASS")
            assert mine.headers["Cache-Control"] == "private, no-store"
        for expected in ("MISS", "HIT"):
            anonymous = get(base, url)
            assert (anonymous.status, cache_status(anonymous)) == (404, expected)
        # A published item read with a token first: the token's answer was not kept for others.
        assert cache_status(get(base, ITEM, headers=editor)) == "BYPASS"
        assert cache_status(get(base, ITEM)) == "MISS"
        # And a copy kept for anonymous readers is never what a token is answered with.
        assert cache_status(get(base, ITEM, headers=editor)) == "BYPASS"


def test_each_representation_and_encoding_is_kept_apart(edge):
    # The service's Vary (Accept, Authorization, Accept-Encoding): nginx keeps a copy per variant.
    variants = {
        "application/ld+json": {"Accept": "application/ld+json"},
        "application/json": {"Accept-Encoding": "gzip"},
    }
    with edge() as (base, _service, _editor, _reviewer, _log):
        for expected in ("MISS", "HIT"):
            plain = get(base, ITEM)
            assert (plain.headers["Content-Type"], cache_status(plain)) == ("application/json", expected)
            assert "Content-Encoding" not in plain.headers
            for media_type, headers in variants.items():
                answer = get(base, ITEM, headers=headers)
                assert (answer.headers["Content-Type"], cache_status(answer)) == (media_type, expected)
        assert get(base, ITEM, headers=variants["application/json"]).headers["Content-Encoding"] == "gzip"


def test_each_visitor_keeps_a_rate_limit_budget_of_their_own_behind_the_edge(edge):
    with edge(RATELIMIT_ANONYMOUS="3/minute") as (base, _service, _editor, _reviewer, log):
        # Searches no one made before: each one reaches the service, and spends a request.
        for word in ("melanoma", "lymphoma", "vaccine"):
            assert get(base, f"/api/v1/search?q={word}", source="127.0.0.2").status == 200
        refused = get(base, "/api/v1/search?q=allergy", source="127.0.0.2")
        assert_problem(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
        # Another visitor, through the same edge, has a budget of their own.
        assert get(base, "/api/v1/search?q=allergy", source="127.0.0.3").status == 200
    lines = [json.loads(line) for line in log.read_text().splitlines() if '"path": "/api/' in line]
    # The service saw each visitor's own address, never the edge's.
    assert {line["client"] for line in lines} == {"127.0.0.2", "127.0.0.3"}


def test_what_nginx_refuses_itself_is_problem_json(edge):
    with edge() as (base, _service, _editor, _reviewer, _log):
        assert_problem(get(base, "/api/v1/therapies?q=" + "a" * 9000), 414)
        assert_problem(get(base, "/api/v1/therapies", headers={"X-Padding": "a" * 9000}), 431)
        # Refused on its Content-Length, before a byte of the body is read.
        huge = {"Content-Type": "application/json", "Content-Length": "3000000"}
        assert_problem(send(base, "POST", "/api/v1/faqs", headers=huge), 413)
        refused = get(base, "/api/v1/therapies?page=0")
        # The service's own problems pass as they are.
        assert "page" in assert_problem(refused, 422)["errors"]["query"]
        assert refused.headers["X-Request-ID"]
