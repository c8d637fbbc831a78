"""Rate limits: anonymous requests per client address, writes per token, refused tokens per address.

Flask-Limiter keeps the budgets, in memory (per worker) or in the storage RATELIMIT_STORAGE_URI
names (Redis: one budget for every worker and instance). Writes are limited inside Flask, by
Flask-Limiter's decorator-free default limit. Anonymous requests are counted by a WSGI layer in
front of the response cache, since a cached read never reaches Flask. Refused tokens are counted
by the app itself, on every path, routed or not: Flask-Limiter skips requests that match no
route, and a guesser must not find a path outside the budget. Both count with Flask-Limiter's own
limiter and storage. The health checks are never limited.
"""

import logging
import math
import time

from flask import Flask, Response, request
from flask_limiter import Limit, Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage

from service.domain.tokens import hash_token
from service.settings import Settings
from service.web.auth import bearer_secret, sends_token
from service.web.errors import PROBLEM_MIMETYPE, problem_response
from service.web.paths import HEALTH_PATHS
from service.web.security import security_headers

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A rate-limit store that does not answer at once is skipped, not waited for.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
# While the store is out of reach, one line a minute says so (not a traceback per request).
OUTAGE_LOG_INTERVAL_SECONDS = 60

log = logging.getLogger(__name__)


class OncePerInterval(logging.Filter):
    """Lets through one record with a traceback per interval, shortened to one line; drops the rest."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds
        self._last = -math.inf

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        now = time.monotonic()
        if now - self._last < self.seconds:
            return False
        self._last = now
        error = record.exc_info[1]
        record.msg = f"{record.getMessage()} ({type(error).__name__}: {error}); said once a minute"
        record.args = None
        record.exc_info = record.exc_text = None
        return True


def _token_key() -> str:
    # The token's digest (as the database keeps it): one budget per token however the header is
    # spelled, and no token ever written to the limiter's storage.
    return hash_token(bearer_secret(request.headers.get("Authorization", "")) or "")


def _anonymous() -> bool:
    return not sends_token(request.environ)


def too_many_requests(retry_after: int, detail: str) -> Response:
    return problem_response(
        429,
        f"{detail} Try again in {retry_after} s.",
        headers={
            "Retry-After": str(retry_after),
            # Also answered before Flask and its CORS headers: a browser app must read the 429.
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Expose-Headers": "Retry-After",
        }
        | security_headers(PROBLEM_MIMETYPE),
    )


def _seconds_until(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))


class Budget:
    """One limit (`300/minute`, or several: `10/minute;100/hour`) counted per key in the limiter's
    storage. A storage out of reach lets requests through rather than failing them all."""

    def __init__(self, limiter: Limiter, limit: str, scope: str):
        self.limiter = limiter
        self.items = parse_many(limit)
        self.scope = scope

    def spend(self, key: str) -> int | None:
        """Counts one request: None while within budget, else the seconds until it is."""
        return self._check(key, spend=True)

    def spent(self, key: str) -> int | None:
        """Without counting: None while within budget, else the seconds until it is."""
        return self._check(key, spend=False)

    def _check(self, key: str, *, spend: bool) -> int | None:
        try:
            strategy = self.limiter.limiter
            count = strategy.hit if spend else strategy.test
            for item in self.items:
                if not count(item, self.scope, key):
                    return _seconds_until(strategy.get_window_stats(item, self.scope, key).reset_time)
        except Exception:
            log.warning("rate limit storage unavailable; the request is let through", exc_info=True)
        return None


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage, for fixed windows, with its timer cancelled: the original starts
    a thread to forget expired windows every time its last one has ended, about a hundred a second
    per busy worker (2 to 3% of a hot read, by py-spy). Here the requests that count forget them,
    once a second at most; a window read after its end is forgotten at once, as before."""

    STORAGE_SCHEME = ["swept-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_sweep = 0.0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self.sweep(now)
        self.get(key)
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = now + expiry
        return self.storage.get(key, 0)

    def sweep(self, now: float) -> None:
        """Forgets every window that has ended."""
        for key, expires_at in list(self.expirations.items()):
            if expires_at <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


def storage_uri(configured: str) -> str:
    """The storage the budgets are kept in: `memory://` is kept by SweptMemoryStorage."""
    if configured.startswith("memory://"):
        return configured.replace("memory://", "swept-memory://", 1)
    return configured


def register_rate_limits(app: Flask, settings: Settings) -> None:
    if not settings.ratelimit_enabled:
        return
    redis = settings.ratelimit_storage_uri.startswith(("redis", "rediss"))
    limiter = Limiter(
        key_func=get_remote_address,
        default_limits=[
            Limit(
                settings.ratelimit_writes,
                key_function=_token_key,
                scope="writes",
                shared=True,
                methods=WRITE_METHODS,
                exempt_when=_anonymous,
            ),
        ],
        storage_uri=storage_uri(settings.ratelimit_storage_uri),
        storage_options=REDIS_TIMEOUTS if redis else {},
        # No X-RateLimit-* headers: the 429 says what a client needs (Retry-After).
        headers_enabled=False,
        on_breach=_writes_breached,
        # A storage out of reach lets requests through rather than failing them all.
        swallow_errors=True,
    )
    limiter.init_app(app)
    # Its one limit is on writes: reads skip it whole (their budget is the middleware's, below).
    limiter.request_filter(lambda: request.method not in WRITE_METHODS or request.path in HEALTH_PATHS)
    for logger in (log, limiter.logger):
        # The loggers are the process's: one filter on each, the last app's, not one per app made.
        for earlier in [f for f in logger.filters if isinstance(f, OncePerInterval)]:
            logger.removeFilter(earlier)
        logger.addFilter(OncePerInterval(OUTAGE_LOG_INTERVAL_SECONDS))
    count_refused_tokens(app, Budget(limiter, settings.ratelimit_auth_failures, "auth-failures"))
    app.wsgi_app = AnonymousLimitMiddleware(
        app.wsgi_app, Budget(limiter, settings.ratelimit_anonymous, "anonymous")
    )


def _writes_breached(limit: RequestLimit) -> Response:
    return too_many_requests(_seconds_until(limit.window.reset_time), "Too many writes with this token.")


def count_refused_tokens(app: Flask, budget: Budget) -> None:
    """Every refused token (401) counts against its address, on any path; once the budget is
    spent, the address may use no token at all, right or wrong, until the window ends.

    Registered before the token check, so that a locked-out address is refused before any look-up.
    """

    @app.before_request
    def refuse_locked_out_address() -> Response | None:
        if not sends_token(request.environ) or request.path in HEALTH_PATHS:
            return None
        retry_after = budget.spent(request.remote_addr or "unknown")
        if retry_after is None:
            return None
        detail = "Too many refused tokens from this address: no token is accepted from it for now."
        return too_many_requests(retry_after, detail)

    @app.after_request
    def count_refused_token(response: Response) -> Response:
        if response.status_code == 401 and sends_token(request.environ):
            budget.spend(request.remote_addr or "unknown")
        return response


class AnonymousLimitMiddleware:
    """Counts every request that carries no token, cached or not, per client address."""

    def __init__(self, wsgi_app, budget: Budget):
        self.wsgi_app = wsgi_app
        self.budget = budget

    def __call__(self, environ, start_response):
        if (
            not sends_token(environ)
            and environ["REQUEST_METHOD"] != "OPTIONS"
            and environ.get("PATH_INFO") not in HEALTH_PATHS
        ):
            retry_after = self.budget.spend(environ.get("REMOTE_ADDR") or "unknown")
            if retry_after is not None:
                response = too_many_requests(retry_after, "Too many requests from this address.")
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)
