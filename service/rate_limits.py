"""Rate limits: anonymous requests per client address, writes per token, failed sign-ins per address.

Flask-Limiter keeps the budgets, in memory (per worker) or in the storage RATELIMIT_STORAGE_URI
names (Redis: one budget for every worker and instance). Writes and sign-ins are limited inside
Flask. Anonymous requests are counted by a WSGI layer in front of the response cache, since a
cached read never reaches Flask; it counts with Flask-Limiter's own limiter and storage.
The health checks are never limited.
"""

import logging
import math
import time

from flask import Flask, Response, request
from flask_limiter import Limit, Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many

from service.auth import bearer_secret, hash_token
from service.errors import PROBLEM_MIMETYPE, problem_response
from service.http import HEALTH_PATHS
from service.security import security_headers
from service.settings import Settings

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A rate-limit store that does not answer at once is skipped, not waited for.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}

log = logging.getLogger(__name__)


def _token_key() -> str:
    # The token's digest (as the database keeps it): one budget per token however the header is
    # spelled, and no token ever written to the limiter's storage.
    return hash_token(bearer_secret(request.headers.get("Authorization", "")) or "")


def _anonymous() -> bool:
    return "Authorization" not in request.headers


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


def _breached(limit: RequestLimit) -> Response:
    if "writes" in limit.request_args:
        detail = "Too many writes with this token."
    else:
        detail = "Too many refused tokens from this address: no token is accepted from it for now."
    return too_many_requests(_seconds_until(limit.window.reset_time), detail)


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
            # Only refused tokens count: an editor at work never spends this budget.
            Limit(
                settings.ratelimit_auth_failures,
                scope="auth-failures",
                shared=True,
                exempt_when=_anonymous,
                deduct_when=lambda response: response.status_code == 401,
            ),
        ],
        storage_uri=settings.ratelimit_storage_uri,
        storage_options=REDIS_TIMEOUTS if redis else {},
        # No X-RateLimit-* headers: the 429 says what a client needs (Retry-After).
        headers_enabled=False,
        on_breach=_breached,
        # A storage out of reach lets requests through rather than failing them all.
        swallow_errors=True,
    )
    limiter.init_app(app)
    limiter.request_filter(lambda: request.path in HEALTH_PATHS)
    app.wsgi_app = AnonymousLimitMiddleware(app.wsgi_app, limiter, settings.ratelimit_anonymous)


class AnonymousLimitMiddleware:
    """Counts every request to the API that carries no token, cached or not, per client address."""

    def __init__(self, wsgi_app, limiter: Limiter, limit: str):
        self.wsgi_app = wsgi_app
        self.limiter = limiter
        self.items = parse_many(limit)

    def __call__(self, environ, start_response):
        if (
            "HTTP_AUTHORIZATION" not in environ
            and environ["REQUEST_METHOD"] != "OPTIONS"
            and environ.get("PATH_INFO", "").startswith("/api/")
        ):
            retry_after = self._spend(environ.get("REMOTE_ADDR") or "unknown")
            if retry_after is not None:
                response = too_many_requests(retry_after, "Too many requests from this address.")
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _spend(self, address: str) -> int | None:
        """None when the request is within budget, else the seconds until it is."""
        try:
            strategy = self.limiter.limiter
            for item in self.items:
                if not strategy.hit(item, "anonymous", address):
                    return _seconds_until(strategy.get_window_stats(item, "anonymous", address).reset_time)
        except Exception:
            log.warning("rate limit storage unavailable; the request is let through", exc_info=True)
        return None
