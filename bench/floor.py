"""The floor of the benchmark: a bare Flask app answering the service's own response bytes from memory.

It reads the responses captured from the service (BENCH_RESPONSES, a JSON file) and serves each
one for its URL, with the same headers, and a 304 when If-None-Match matches: what a hot read
could cost at best under the same server.
"""

import json
import os

from flask import Flask, Response, request

with open(os.environ["BENCH_RESPONSES"], encoding="utf-8") as file:
    RESPONSES = {
        url: (captured["body"].encode(), captured["headers"]) for url, captured in json.load(file).items()
    }

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def replay(path: str) -> Response:
    body, headers = RESPONSES[request.full_path.rstrip("?")]
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return Response(status=304, headers={"ETag": headers["ETag"]})
    return Response(body, headers=headers)
