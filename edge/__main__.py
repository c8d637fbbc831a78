"""`make edge`: the service as `make run` serves it, trusting one proxy, with nginx caching in front.

The service listens on PORT (8000), the edge on EDGE_PORT (8080); Ctrl-C stops both. The cache is
kept in instance/edge/cache, emptied at every start.
"""

import os
import shutil
import signal
import subprocess
import sys

from edge.nginx import ensure_nginx, running_edge
from service.settings import PROJECT_ROOT


def main() -> int:
    nginx = ensure_nginx()
    # Stopped by a signal as by Ctrl-C: the service and nginx are stopped with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    service_port = os.environ.get("PORT") or "8000"
    edge_port = int(os.environ.get("EDGE_PORT") or "8080")
    folder = PROJECT_ROOT / "instance" / "edge"
    shutil.rmtree(folder / "cache", ignore_errors=True)
    # The edge is the one proxy in front: the service reads each visitor's address past it.
    env = os.environ | {"TRUSTED_PROXIES": "1", "HOST": "127.0.0.1", "PORT": service_port}
    service = subprocess.Popen(["bin/serve"], cwd=PROJECT_ROOT, env=env)
    try:
        with running_edge(folder, edge_port, [f"127.0.0.1:{service_port}"], workers=2, nginx=nginx) as base:
            print(f"The edge: {base}, caching in front of http://127.0.0.1:{service_port}", flush=True)
            return service.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        service.terminate()
        service.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
