"""Debian's nginx on the edge's config, from this checkout: a complete nginx.conf is written around
edge.conf.template in a folder of its own, for `make edge`, the tests and the benchmark.
(docker-compose.yml's `edge` service has the nginx image fill the template in instead.)"""

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMPLATE = Path(__file__).with_name("edge.conf.template")
# The blanks of the template, as the nginx image's envsubst fills them: ${EDGE_...}.
_BLANK = re.compile(r"\$\{(EDGE_[A-Z_]+)\}")
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def blanks() -> set[str]:
    """The names the template needs filled in."""
    return set(_BLANK.findall(TEMPLATE.read_text()))


def fill(values: dict[str, str]) -> str:
    """The template with every blank filled; a KeyError names one left without a value."""
    return _BLANK.sub(lambda found: values[found[1]], TEMPLATE.read_text())


def nginx_binary() -> str | None:
    """Debian installs nginx in /usr/sbin, which not every PATH holds."""
    if found := shutil.which("nginx"):
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def ensure_nginx() -> str:
    """nginx, from Debian's package when it is missing (as .ci/run installs its tools)."""
    if binary := nginx_binary():
        return binary
    if os.geteuid() != 0:
        raise SystemExit("nginx is missing: apt-get install nginx")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nginx"],
        check=True,
        env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
    )
    return nginx_binary() or "nginx"


def write_config(folder: Path, listen: str, upstreams: list[str], workers: int = 1) -> Path:
    """nginx.conf in `folder`, where nginx keeps its cache and temporary files too: the template at
    http level, in front of `upstreams` (host:port of each replica of the service)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {"EDGE_LISTEN": listen, "EDGE_UPSTREAM": "service", "EDGE_CACHE_PATH": str(folder / "cache")}
    (folder / "edge.conf").write_text(fill(values))
    servers = "".join(f"        server {address};\n" for address in upstreams)
    config = folder / "nginx.conf"
    config.write_text(
        # Run as root, the workers would otherwise be `nobody`, who may not write in this folder.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes {workers};\npid {folder / 'nginx.pid'};\nerror_log stderr warn;\n"
        + "events { worker_connections 1024; }\n"
        + "http {\n    access_log off;\n"
        + "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in _TEMP_PATHS)
        + f"    upstream service {{\n{servers}    }}\n"
        + f"    include {folder / 'edge.conf'};\n}}\n"
    )
    return config


@contextmanager
def running_edge(
    folder: Path, port: int, upstreams: list[str], workers: int = 1, nginx: str | None = None
) -> Iterator[str]:
    """nginx on 127.0.0.1:`port` in front of `upstreams`, until the block ends: its base URL."""
    config = write_config(folder, f"127.0.0.1:{port}", upstreams, workers)
    log = (folder / "error.log").open("w")
    command = [nginx or nginx_binary() or "nginx", "-e", "stderr", "-p", str(folder), "-c", str(config)]
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start:\n{(folder / 'error.log').read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
