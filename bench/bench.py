"""`make bench`: hot reads against a bare-Flask floor, and the cost of growing to 10,000s of items.

Hot reads: the service is started as `make run` starts it (a freshly migrated and seeded SQLite
database, the production server) and, beside it, bench/floor.py: a bare Flask app that answers
the very same response bytes from memory, under the same server and worker count. wrk loads
each at 32 connections, a run of the service beside a run of the floor; the table gives medians
of several runs, and each ratio to the floor is the median of those pairs' ratios.
For scale, nginx serves the same bytes as static files with as many workers: what no Python
server comes near, and the reason to put an HTTP cache in front (see the README). So the same
reads go through the edge too (edge/: nginx caching in front of the service, with as many
workers), each run beside a run of nginx's static files, and the ratio is the median of those pairs'.

Growth: `flask seed --synthetic N` at N = 10 and N = 10,000, on SQLite and PostgreSQL
(--postgres-url), with the response cache off: p50 of a list, a search and a deep page, and the
SQL statements per request.

    .venv/bin/python bench/bench.py [--runs 5] [--seconds 5] [--servers gunicorn granian]
                                    [--postgres-url URL] [--parts hot growth] [--smoke]
"""

import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

SCENARIOS = {
    "list": ("/api/v1/therapies", False),
    "list_304": ("/api/v1/therapies", True),
    "item": ("/api/v1/therapies/checkpoint-inhibitors", False),
    "filtered": ("/api/v1/indications?area=cancer&immunotherapy_status=approved", False),
    "search": ("/api/v1/search?q=PD-1", False),
}
GROWTH_URLS = {
    "item": "/api/v1/therapies/checkpoint-inhibitors",
    "list": "/api/v1/therapies",
    # A word of one generated item in 20, a question, and a completion as typed.
    "search": "/api/v1/search?q=antibody",
    "question": "/api/v1/search?q=what%20is%20an%20antibody%20vaccine",
    "suggest": "/api/v1/search/suggest?q=antib",
    "page_1": "/api/v1/therapies?page=1&page_size=20",
    "page_400": "/api/v1/therapies?page=400&page_size=20",
}
PARTS = ("hot", "misses", "writes", "growth")
TARGETS = {"list_rps": 0.8, "list_304_rps": 0.9, "list_p99": 2.0, "edge_rps": 0.5}
# Every hot read against the faster of the two servers' floors in the run, with a worker's memory.
FASTEST_FLOOR_TARGETS = {"rps": 0.8, "p99": 2.0, "worker_rss_mb": 100}
GROWTH_TARGETS = {"list": 2.0, "search": 2.0, "deep_page": 2.0}
# A search or a completion on a cache miss, against an uncached item read (at N = 10).
MISS_TARGETS = {"search": 2.0, "question": 2.0, "suggest": 2.0}
KEPT_HEADERS = ("Content-Type", "ETag", "X-Pagination", "Link", "Last-Modified")
# Cache misses against /healthz of the same process: one worker, one connection, cache off (p50).
MISS_URLS = {
    "healthz": "/healthz",
    "item": "/api/v1/therapies/checkpoint-inhibitors",
    "list_20": "/api/v1/faqs?page_size=20",
    "search": "/api/v1/search?q=immune%20checkpoint",
}
HEALTHZ_TARGETS = {"item": 4.0, "list_20": 5.0, "search": 5.0}
# On PostgreSQL, each may be this much more (of /healthz) than its target on SQLite.
POSTGRES_ALLOWANCE = 1.0
# Hot reads of every public URL while an editor publishes a change once a second, against the same
# reads with no writes (req/s).
WRITES_TARGET = 0.7


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement; the median is kept")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--servers", nargs="+", default=["gunicorn", "granian"], choices=["gunicorn", "granian"]
    )
    parser.add_argument("--synthetic", type=int, default=10_000, help="N of the growth measurement")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"))
    parser.add_argument("--output", type=Path, default=ROOT / "instance" / "bench.json")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=list(PARTS),
        choices=list(PARTS),
        help="what to measure",
    )
    parser.add_argument("--smoke", action="store_true", help="one short run of everything: proves it works")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each result shows as it is made, even when piped
    if args.smoke:
        args.runs, args.seconds, args.servers, args.synthetic = 1, 1, ["gunicorn"], 50

    ensure_tool("wrk")
    ensure_tool("nginx")
    results = {"settings": {k: str(v) for k, v in vars(args).items()}} | {part: {} for part in PARTS}

    def keep(part: str, key: str | None, measured: dict) -> None:
        """Report a measurement and save the results as soon as it is made: a long run that stops
        early keeps what it measured."""
        if key is None:
            results[part] = measured
        else:
            results[part][key] = measured
        REPORTS[part](key, measured, args)
        args.output.parent.mkdir(exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2))

    with tempfile.TemporaryDirectory() as folder:
        for server in args.servers if "hot" in args.parts else ():
            keep("hot", server, hot_reads(server, Path(folder), args))
        if len(results["hot"]) > 1:
            keep("fastest_floor", None, against_fastest_floor(results["hot"]))
        backends = {"sqlite": f"sqlite:///{folder}/growth-{{n}}.db"}
        if args.postgres_url:
            backends["postgresql"] = args.postgres_url
        for backend, url in backends.items() if "misses" in args.parts else ():
            keep("misses", backend, misses(backend, url, args))
        if "writes" in args.parts:
            keep("writes", None, hot_reads_while_writing(Path(folder), args))
        for backend, url in backends.items() if "growth" in args.parts else ():
            keep("growth", backend, growth(backend, url, args))
    print(f"\nJSON: {args.output}")
    return 0


# --- Hot reads -------------------------------------------------------------------------------------


def hot_reads(server: str, folder: Path, args) -> dict:
    from edge.nginx import running_edge

    database_url = f"sqlite:///{folder}/hot-{server}.db"
    prepare_database(database_url)
    env = {"DATABASE_URL": database_url}
    with serve(server, "service", args.workers, env) as service_url:
        responses = capture(service_url)
        captured = folder / f"responses-{server}.json"
        captured.write_text(json.dumps(responses))
        upstream = service_url.removeprefix("http://")
        with (
            serve(server, "floor", args.workers, {"BENCH_RESPONSES": str(captured)}) as floor_url,
            nginx(responses, folder / f"nginx-{server}", args.workers) as static,
            running_edge(folder / f"edge-{server}", free_port(), [upstream], args.workers) as edge_url,
        ):
            runs: dict[str, dict[str, list]] = {
                name: {"service": [], "floor": [], "nginx": [], "edge": []} for name in SCENARIOS
            }
            for run in range(args.runs):
                for name, (path, revalidate) in SCENARIOS.items():
                    headers = {"If-None-Match": responses[path]["headers"]["ETag"]} if revalidate else {}
                    # Each service run has its floor run next to it in time, first one then the
                    # other leading, so that the load of a shared machine weighs on both alike.
                    sides = [("service", service_url), ("floor", floor_url)]
                    for side, base in sides if run % 2 == 0 else reversed(sides):
                        runs[name][side].append(wrk(base + path, args.seconds, args.connections, headers))
                    url, etag = static[path]
                    static_headers = {"If-None-Match": etag} if revalidate else {}
                    runs[name]["nginx"].append(wrk(url, args.seconds, args.connections, static_headers))
                    # Through the edge, next to nginx's static files: its copies are the service's.
                    runs[name]["edge"].append(wrk(edge_url + path, args.seconds, args.connections, headers))
        rss = worker_rss_mb()
    scenarios = {}
    for name, sides in runs.items():
        service, floor = sides["service"], sides["floor"]
        scenarios[name] = {
            "service": median_of(service),
            "floor": median_of(floor),
            "nginx": median_of(sides["nginx"]),
            "edge": median_of(sides["edge"]),
            "edge_ratio": paired_ratio(sides["edge"], sides["nginx"], "rps"),
            "rps_ratio": paired_ratio(service, floor, "rps"),
            "p50_ratio": paired_ratio(service, floor, "p50_ms"),
            "p99_ratio": paired_ratio(service, floor, "p99_ms"),
            "runs": sides,
        }
    return {"scenarios": scenarios, "worker_rss_mb": rss}


def against_fastest_floor(hot: dict) -> dict:
    """Each server's hot reads against the faster floor of the run (the one with more req/s), read
    by read, p99 against that floor's p99 (their medians: the servers ran apart in time), and its
    workers' memory."""
    floors = {
        name: max((measured["scenarios"][name]["floor"] for measured in hot.values()), key=lambda f: f["rps"])
        for name in SCENARIOS
    }
    return {
        server: {
            "scenarios": {
                name: {
                    "rps": row["service"]["rps"],
                    "floor_rps": floors[name]["rps"],
                    "rps_ratio": round(row["service"]["rps"] / floors[name]["rps"], 2),
                    "p99_ratio": round(row["service"]["p99_ms"] / floors[name]["p99_ms"], 2),
                }
                for name, row in measured["scenarios"].items()
            },
            "worker_rss_mb": measured["worker_rss_mb"],
        }
        for server, measured in hot.items()
    }


def capture(base: str) -> dict:
    """The service's own answers, which the floor replays byte for byte."""
    captured = {}
    for path, _ in SCENARIOS.values():
        with urllib.request.urlopen(base + path) as response:
            headers = {name: response.headers[name] for name in KEPT_HEADERS if response.headers[name]}
            captured[path] = {"body": response.read().decode(), "headers": headers}
    return captured


@contextmanager
def nginx(responses: dict, folder: Path, workers: int):
    """nginx serving each captured body as a static file; yields path -> (its URL, nginx's ETag)."""
    (folder / "static").mkdir(parents=True)
    files = {}
    for number, (path, captured) in enumerate(responses.items()):
        (folder / "static" / f"{number}.json").write_text(captured["body"])
        files[path] = f"/{number}.json"
    port = free_port()
    temp_paths = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes {workers};\npid {folder}/nginx.pid;\nerror_log stderr warn;\n"
        + "events { worker_connections 1024; }\n"
        + "http {\n    access_log off;\n    default_type application/json;\n"
        + temp_paths
        + f"    server {{ listen 127.0.0.1:{port}; root {folder}/static; }}\n}}\n"
    )
    process = subprocess.Popen(
        ["nginx", "-e", "stderr", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + next(iter(files.values())), process)
        static = {}
        for path, file in files.items():
            with urllib.request.urlopen(base + file) as response:
                static[path] = (base + file, response.headers["ETag"])
        yield static
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- Growth ----------------------------------------------------------------------------------------


def growth(backend: str, url_template: str, args) -> dict:
    sizes = (10, args.synthetic)
    measured = {}
    for size in sizes:
        with database(backend, url_template, size) as database_url:
            prepare_database(database_url, synthetic=size)
            env = {"DATABASE_URL": database_url, "RESPONSE_CACHE_ENTRIES": "0"}
            with serve("gunicorn", "service", args.workers, env) as base:
                p50 = {
                    name: median_of([wrk(base + path, args.seconds, 8, {}) for _ in range(args.runs)])[
                        "p50_ms"
                    ]
                    for name, path in GROWTH_URLS.items()
                }
                rss = worker_rss_mb()
            statements, deep_page_items = statements_per_request(database_url)
            measured[size] = {
                "p50_ms": p50,
                "statements": statements,
                "deep_page_items": deep_page_items,
                "worker_rss_mb": rss,
            }
    small, large = (measured[size] for size in sizes)
    return {
        "sizes": list(sizes),
        "measured": {str(size): values for size, values in measured.items()},
        "list_ratio": round(large["p50_ms"]["list"] / small["p50_ms"]["list"], 2),
        "search_ratio": round(large["p50_ms"]["search"] / small["p50_ms"]["search"], 2),
        "question_ratio": round(large["p50_ms"]["question"] / small["p50_ms"]["question"], 2),
        "miss_ratios": {
            str(size): {
                name: round(measured[size]["p50_ms"][name] / measured[size]["p50_ms"]["item"], 2)
                for name in MISS_TARGETS
            }
            for size in sizes
        },
        "deep_page_ratio": round(large["p50_ms"]["page_400"] / large["p50_ms"]["page_1"], 2),
        # The same statements at any size and at any depth: an empty page counts apart, so a deep
        # page that has items is held to page 1, and one that has none to the small set's. A
        # search whose page is its last needs no count: the small set's may have one fewer.
        "statements_unchanged": all(
            small["statements"][name] == large["statements"][name]
            for name in ("item", "list", "suggest", "page_1")
        )
        and all(
            large["statements"][name] - small["statements"][name] in (0, 1) for name in ("search", "question")
        )
        and large["statements"]["page_400"]
        == (large["statements"]["page_1"] if large["deep_page_items"] else small["statements"]["page_400"]),
    }


@contextmanager
def database(backend: str, url_template: str, size: int):
    if backend == "sqlite":
        yield url_template.format(n=size)
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    server = make_url(url_template)
    name = f"bench_{os.getpid()}_{size}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def statements_per_request(database_url: str) -> tuple[dict[str, int], int]:
    """SQL statements each growth URL costs, counted in-process on the same database, and how many
    items the deep page holds."""
    from dataclasses import replace

    import sqlalchemy as sa

    from service import create_app
    from service.domain.db import db
    from service.settings import Settings

    settings = replace(Settings.from_env({}), database_url=database_url, response_cache_entries=0)
    app = create_app(replace(settings, log_level="WARNING"))
    counts, answers = {}, {}
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    for name, path in GROWTH_URLS.items():
        seen = [0]

        def count(*_args, seen=seen):
            seen[0] += 1

        sa.event.listen(engine, "before_cursor_execute", count)
        answers[name] = client.get(path).json
        sa.event.remove(engine, "before_cursor_execute", count)
        counts[name] = seen[0]
    engine.dispose()
    return counts, len(answers["page_400"])


# --- Cache misses ----------------------------------------------------------------------------------


def misses(backend: str, url_template: str, args) -> dict:
    """What a miss costs against /healthz of the same process: one worker, one connection, the
    response cache off, so that every request is made anew and none waits for another."""
    with database(backend, url_template, 0) as database_url:
        prepare_database(database_url)
        env = {"DATABASE_URL": database_url, "RESPONSE_CACHE_ENTRIES": "0"}
        with serve("gunicorn", "service", 1, env) as base:
            p50 = {
                name: median_of([wrk(base + path, args.seconds, 1, {}) for _ in range(args.runs)])["p50_ms"]
                for name, path in MISS_URLS.items()
            }
    return {"p50_ms": p50, "ratios": {name: round(p50[name] / p50["healthz"], 2) for name in HEALTHZ_TARGETS}}


# --- Hot reads while an editor writes -----------------------------------------------------------------


def hot_reads_while_writing(folder: Path, args) -> dict:
    """Every public URL of the seed read in turn (items and lists: what a site's visitors spread
    over), with the cache on, alone and while an editor publishes a change of one FAQ a second."""
    database_url = f"sqlite:///{folder}/writes.db"
    prepare_database(database_url)
    editor, reviewer = (
        token(database_url, name, role)
        for name, role in (("bench-editor", "editor"), ("bench-reviewer", "reviewer"))
    )
    # The editor's three writes a second are more than a person's budget.
    env = {"DATABASE_URL": database_url, "RATELIMIT_WRITES": "100000/minute"}
    with serve("gunicorn", "service", args.workers, env) as base:
        script = rotating_script(public_paths(base), folder / "rotate.lua")
        # Every worker's cache filled first, as on a site that has been up a while.
        wrk(base + "/", 2, args.connections, {}, script)
        runs: dict[str, list] = {"quiet": [], "writing": []}
        for _ in range(args.runs):
            runs["quiet"].append(wrk(base + "/", args.seconds, args.connections, {}, script))
            with editor_publishing(base, editor, reviewer) as published:
                runs["writing"].append(wrk(base + "/", args.seconds, args.connections, {}, script))
            if not published:
                raise SystemExit("The editor published nothing during the run.")
    return {
        "quiet": median_of(runs["quiet"]),
        "writing": median_of(runs["writing"]),
        "ratio": paired_ratio(runs["writing"], runs["quiet"], "rps"),
        "runs": runs,
    }


def token(database_url: str, name: str, role: str) -> str:
    env = os.environ | {"DATABASE_URL": database_url, "FLASK_APP": "service", "LOG_LEVEL": "WARNING"}
    made = subprocess.run(
        [BIN / "flask", "tokens", "create", "--name", name, "--role", role],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip().splitlines()[-1]


def public_paths(base: str) -> list[str]:
    """Each collection's first page and every item in it."""
    paths = []
    for collection in ("therapies", "mechanisms", "indications", "faqs", "sources"):
        path = f"/api/v1/{collection}?page_size=100"
        with urllib.request.urlopen(base + path) as response:
            paths += [path, *(item["href"] for item in json.load(response))]
    return paths


def rotating_script(paths: list[str], file: Path) -> Path:
    """A wrk script that asks for each path in turn."""
    listed = ", ".join(json.dumps(path) for path in paths)
    file.write_text(
        f"local paths = {{{listed}}}\nlocal next_path = 0\n"
        "request = function()\n  next_path = next_path % #paths + 1\n"
        '  return wrk.format("GET", paths[next_path])\nend\n'
    )
    return file


@contextmanager
def editor_publishing(base: str, editor: str, reviewer: str):
    """An editor changes a FAQ and a reviewer approves it, once a second; yields a list that holds
    each publication's time."""
    import threading

    published: list[float] = []
    stop = threading.Event()
    url = base + "/api/v1/faqs/what-is-immunotherapy"

    def call(method: str, path: str, secret: str, etag: str | None = None, body: dict | None = None):
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        if etag:
            headers["If-Match"] = etag
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request) as response:
            return response.headers["ETag"], json.load(response)

    def publish_every_second() -> None:
        while not stop.wait(1.0):
            etag, faq = call("GET", f"{url}?preview=true", editor)
            answer = faq["answer"]["markdown"]
            # Each change undoes the one before: the FAQ stays as it was seeded, but for a word.
            mark = " (reviewed)"
            answer = answer.replace(mark, "", 1) if mark in answer else answer.replace(".", f"{mark}.", 1)
            etag, _ = call("PATCH", url, editor, etag, {"answer": answer})
            etag, _ = call("POST", f"{url}/submit", editor, etag)
            call("POST", f"{url}/approve", reviewer, etag)
            published.append(time.monotonic())

    writer = threading.Thread(target=publish_every_second, daemon=True)
    writer.start()
    try:
        yield published
    finally:
        stop.set()
        writer.join(timeout=30)


# --- Servers and load ------------------------------------------------------------------------------


def prepare_database(database_url: str, synthetic: int | None = None) -> None:
    """What `make run` does before serving: migrate, then seed."""
    env = os.environ | {"DATABASE_URL": database_url, "FLASK_APP": "service", "LOG_LEVEL": "WARNING"}
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    seed = [BIN / "flask", "seed"] + (["--synthetic", str(synthetic)] if synthetic else [])
    subprocess.run(seed, env=env, cwd=ROOT, check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_servers: list[subprocess.Popen] = []


# The service as `make run` runs it: a line of log per request, and its rate limits on, with a
# budget one load generator's address cannot spend.
SERVICE_ENV = {"LOG_LEVEL": "INFO", "RATELIMIT_ANONYMOUS": "1000000/second"}


@contextmanager
def serve(server: str, app: str, workers: int, env: dict[str, str]):
    """The service (`app="service"`) or the floor under gunicorn or granian, on a free port."""
    port = free_port()
    target = {"service": "service:create_app()", "floor": "bench.floor:app"}[app]
    if server == "gunicorn":
        command = [BIN / "gunicorn", "--config", ROOT / "gunicorn.conf.py", target]
    else:
        command = [BIN / "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
        # One Python thread per worker runs the app, as a sync worker does: with granian's default
        # pool the threads contend for the GIL (p99 over 100 ms here, and 180 MB a worker).
        command += ["--blocking-threads", "1"]
        command += ["--factory", "service:create_app"] if app == "service" else [target]
    full_env = (
        os.environ
        | env
        | {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        | (SERVICE_ENV if app == "service" else {})
    )
    process = subprocess.Popen(
        command, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _servers.append(process)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + ("/healthz" if app == "service" else SCENARIOS["list"][0]), process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        _servers.remove(process)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server stopped at start (exit {process.returncode}): {process.args}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server did not answer {url} within {timeout} s")


def worker_rss_mb() -> list[float]:
    """Resident memory of every worker process of the newest server, in MB."""
    master = _servers[-1].pid
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            if match:
                sizes.append(round(int(match.group(1)) / 1024, 1))
    return sizes


def ensure_tool(package: str) -> None:
    """wrk and nginx, from Debian's packages when they are missing."""
    if shutil.which(package) or Path(f"/usr/sbin/{package}").exists():
        return
    if os.geteuid() != 0:
        raise SystemExit(f"{package} is missing: apt-get install {package}")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],
        check=True,
        env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
    )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str, seconds: int, connections: int, headers: dict[str, str], script: Path | None = None
) -> dict[str, float]:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["--script", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{output}")

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return round(float(value) * _UNITS[unit], 3)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99")}


def median_of(measurements: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(m[key] for m in measurements), 3) for key in measurements[0]}


def paired_ratio(service: list[dict[str, float]], floor: list[dict[str, float]], key: str) -> float:
    """The median of each service run's ratio to the floor run beside it in time."""
    return round(statistics.median(s[key] / f[key] for s, f in zip(service, floor, strict=True)), 2)


# --- Report ----------------------------------------------------------------------------------------


def report_hot(server: str, hot: dict, args) -> None:
    print(f"\nHot reads under {server} ({args.workers} workers, {args.connections} connections)")
    columns = ["scenario", "req/s", "floor req/s", "ratio", "p50 ms", "floor p50 ms", "p99 ms"]
    columns += ["floor p99 ms", "p99 ratio", "nginx req/s", "edge req/s", "edge/nginx"]
    print("| " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * (len(columns) - 1))
    for name, row in hot["scenarios"].items():
        service, floor = row["service"], row["floor"]
        cells = [
            name,
            f"{service['rps']:.0f}",
            f"{floor['rps']:.0f}",
            f"{row['rps_ratio']:.2f}",
            f"{service['p50_ms']:.2f}",
            f"{floor['p50_ms']:.2f}",
            f"{service['p99_ms']:.2f}",
            f"{floor['p99_ms']:.2f}",
            f"{row['p99_ratio']:.2f}",
            f"{row['nginx']['rps']:.0f}",
            f"{row['edge']['rps']:.0f}",
            f"{row['edge_ratio']:.2f}",
        ]
        print("| " + " | ".join(cells) + " |")
    scenarios = hot["scenarios"]
    checks = {
        f"hot list >= {TARGETS['list_rps']}x floor req/s": scenarios["list"]["rps_ratio"]
        >= TARGETS["list_rps"],
        f"304 >= {TARGETS['list_304_rps']}x floor req/s": scenarios["list_304"]["rps_ratio"]
        >= TARGETS["list_304_rps"],
        f"hot list p99 <= {TARGETS['list_p99']}x floor p99": scenarios["list"]["p99_ratio"]
        <= TARGETS["list_p99"],
        f"every hot read through the edge >= {TARGETS['edge_rps']}x nginx's static req/s": min(
            row["edge_ratio"] for row in scenarios.values()
        )
        >= TARGETS["edge_rps"],
    }
    for label, ok in checks.items():
        print(f"  {'PASS' if ok else 'MISS'}  {label}")
    print(f"  worker RSS after the run: {hot['worker_rss_mb']} MB")


def report_fastest_floor(_key: None, compared: dict, _args) -> None:
    targets = FASTEST_FLOOR_TARGETS
    print(f"\nHot reads against the faster floor of the run (req/s >= {targets['rps']}x, ", end="")
    print(f"p99 <= {targets['p99']}x, worker RSS <= {targets['worker_rss_mb']} MB)")
    for server, measured in compared.items():
        rows = measured["scenarios"]
        cells = ", ".join(
            f"{name} {row['rps_ratio']}x (p99 {row['p99_ratio']}x)" for name, row in rows.items()
        )
        fast_enough = all(
            row["rps_ratio"] >= targets["rps"] and row["p99_ratio"] <= targets["p99"] for row in rows.values()
        )
        ok = fast_enough and max(measured["worker_rss_mb"], default=math.inf) <= targets["worker_rss_mb"]
        print(f"  {'PASS' if ok else 'MISS'}  {server}: {cells}; RSS {measured['worker_rss_mb']} MB")


def report_misses(backend: str, missed: dict, _args) -> None:
    print(f"\nCache misses on {backend}: one worker, one connection, cache off (p50 ms)")
    print("  " + json.dumps(missed["p50_ms"]))
    allowance = POSTGRES_ALLOWANCE if backend == "postgresql" else 0
    for name, target in HEALTHZ_TARGETS.items():
        ratio = missed["ratios"][name]
        ok = ratio <= target + allowance
        print(f"  {'PASS' if ok else 'MISS'}  {name} {ratio}x /healthz (target <= {target + allowance})")


def report_writes(_key: None, writes: dict, _args) -> None:
    quiet, writing = writes["quiet"]["rps"], writes["writing"]["rps"]
    ok = writes["ratio"] >= WRITES_TARGET
    print(f"\nHot reads of every public URL, cache on: {quiet:.0f} req/s alone, {writing:.0f} while")
    verdict = "PASS" if ok else "MISS"
    ratio = writes["ratio"]
    print(f"  an editor publishes once a second: {verdict}  {ratio}x (target >= {WRITES_TARGET})")


def report_growth(backend: str, grown: dict, _args) -> None:
    small, large = grown["sizes"]
    print(f"\nGrowth on {backend}, cache off: N={small} against N={large} (p50 ms)")
    for size in (small, large):
        row = grown["measured"][str(size)]
        print(f"  N={size:<6} {json.dumps(row['p50_ms'])}  statements {json.dumps(row['statements'])}")
    print(
        f"  list {grown['list_ratio']}x (target <= {GROWTH_TARGETS['list']}), "
        f"search {grown['search_ratio']}x (<= {GROWTH_TARGETS['search']}), "
        f"question {grown['question_ratio']}x (<= {GROWTH_TARGETS['search']}), "
        f"page 400 / page 1 {grown['deep_page_ratio']}x (<= {GROWTH_TARGETS['deep_page']}), "
        f"statements unchanged: {grown['statements_unchanged']}"
    )
    for size, ratios in grown["miss_ratios"].items():
        cells = ", ".join(f"{name} {ratio}x" for name, ratio in ratios.items())
        print(f"  cache misses against an uncached item at N={size}: {cells} (each <= 2, at N={small})")
    print(f"  worker RSS at N={large}: {grown['measured'][str(large)]['worker_rss_mb']} MB")


REPORTS = {
    "hot": report_hot,
    "fastest_floor": report_fastest_floor,
    "misses": report_misses,
    "writes": report_writes,
    "growth": report_growth,
}

if __name__ == "__main__":
    sys.exit(main())
