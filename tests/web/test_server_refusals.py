"""What gunicorn refuses before the app sees a request, and bodies sent in chunks: every answer is
problem+json with the security headers, whoever makes it."""

import http.client
import json
import socket

import pytest

from tests.apps import make_app
from tests.conftest import token_headers
from tests.servers import running_server


@pytest.fixture(scope="module")
def server(backend):
    url = backend.databases.copy(backend.template_url)
    editor = token_headers(make_app(url), "editor-chunks", "editor")
    command = ["gunicorn", "--config", "gunicorn.conf.py", "service:create_app()"]
    with running_server(command, url, WEB_CONCURRENCY="1", RATELIMIT_ENABLED="false") as (base, _):
        yield int(base.rsplit(":", 1)[1]), editor
    backend.databases.drop(url)


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:  # the server closed with part of the request unread
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, json.loads(body)


def _assert_problem(status: int, headers: dict, body: dict, expected: int) -> None:
    assert status == expected
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body["status"] == expected and body["title"] and body["detail"]


def _get(target: bytes, headers: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"


def test_a_url_over_the_services_limit_is_a_414_problem(server):
    port, _ = server
    # 8000 characters reach the routes (RFC 9110 asks for at least that much): an unknown slug.
    target = b"/api/v1/therapies/" + b"a" * (8000 - len(b"/api/v1/therapies/"))
    _assert_problem(*_raw(port, _get(target)), 404)
    # One more is refused.
    status, headers, problem = _raw(port, _get(target + b"a"))
    _assert_problem(status, headers, problem, 414)
    assert "8000" in problem["detail"] and headers["X-Request-ID"]


def test_a_request_line_over_gunicorns_limit_is_a_414_problem_too(server):
    port, _ = server
    _assert_problem(*_raw(port, _get(b"/api/v1/" + b"a" * 9000)), 414)


def test_too_many_headers_is_a_problem_not_an_html_page(server):
    port, _ = server
    headers = b"".join(b"X-Header-%d: y\r\n" % number for number in range(200))
    _assert_problem(*_raw(port, _get(b"/api/v1", headers)), 431)


def test_a_header_too_large_is_a_problem_not_an_html_page(server):
    port, _ = server
    _assert_problem(*_raw(port, _get(b"/api/v1", b"X-Large: " + b"y" * 9000 + b"\r\n")), 431)


def _post_chunked(port: int, editor: dict, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    chunks = (body[start : start + 65536] for start in range(0, len(body), 65536))
    headers = editor | {"Content-Type": "application/json"}
    connection.request("POST", "/api/v1/mechanisms", body=chunks, headers=headers, encode_chunked=True)
    response = connection.getresponse()
    answer = response.status, json.loads(response.read())
    connection.close()
    return answer


def test_a_chunked_body_over_the_limit_is_a_413_and_a_small_one_works(server):
    port, editor = server
    too_large = json.dumps({"name": "Large", "summary": "x" * (1100 * 1024)}).encode()
    status, problem = _post_chunked(port, editor, too_large)
    assert status == 413 and problem["status"] == 413
    small = json.dumps({"name": "Sent in chunks", "summary": "A small body."}).encode()
    status, created = _post_chunked(port, editor, small)
    assert status == 201 and created["slug"] == "sent-in-chunks"
