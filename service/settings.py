"""Settings, read once from environment variables; every variable is listed in the README."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "immunotherapy.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    seed_dir: Path = PROJECT_ROOT / "seed"
    # The longest a request waits on the database (a lock, a statement, a connection) before 503.
    database_timeout: float = 3.0
    # The in-process cache of anonymous GET responses, per worker; 0 turns it off.
    response_cache_entries: int = 2048
    response_cache_bytes: int = 32 * 1024 * 1024
    # Rate limits (see the README): budgets kept in memory per worker, or shared through Redis.
    ratelimit_enabled: bool = True
    ratelimit_storage_uri: str = "memory://"
    ratelimit_anonymous: str = "300/minute"
    ratelimit_writes: str = "60/minute"
    ratelimit_auth_failures: str = "10/minute"
    # How many proxies in front set X-Forwarded-For: the client address is read past them.
    trusted_proxies: int = 0
    # How long a review holds: a published item is due to be reviewed again this many months on.
    review_interval_months: int = 12
    # The longest request-target (path and query, as sent) answered; longer is a 414. RFC 9110
    # (4.1) asks for at least 8000; gunicorn's request line limit (gunicorn.conf.py) leaves room.
    max_uri_length: int = 8000
    # What shared caches (the edge, a CDN) are told of an anonymous read: how many seconds they may
    # serve it without asking again (s-maxage; browsers keep it a minute), and for how long past
    # that they may still serve their copy while they revalidate it, or while the service cannot be
    # reached. Short, and bounded: a withdrawn item must not linger (see the README, The edge).
    shared_max_age: int = 1
    stale_while_revalidate: int = 30
    stale_if_error: int = 300

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=_normalize_database_url(env.get("DATABASE_URL") or defaults.database_url),
            host=env.get("HOST") or defaults.host,
            port=_int(env, "PORT", defaults.port),
            log_level=(env.get("LOG_LEVEL") or defaults.log_level).upper(),
            seed_dir=Path(env.get("SEED_DIR") or defaults.seed_dir),
            database_timeout=_seconds(env, "DATABASE_TIMEOUT", defaults.database_timeout),
            response_cache_entries=_int(env, "RESPONSE_CACHE_ENTRIES", defaults.response_cache_entries),
            response_cache_bytes=_int(env, "RESPONSE_CACHE_BYTES", defaults.response_cache_bytes),
            ratelimit_enabled=_bool(env, "RATELIMIT_ENABLED", defaults.ratelimit_enabled),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or defaults.ratelimit_storage_uri,
            ratelimit_anonymous=_limit(env, "RATELIMIT_ANONYMOUS", defaults.ratelimit_anonymous),
            ratelimit_writes=_limit(env, "RATELIMIT_WRITES", defaults.ratelimit_writes),
            ratelimit_auth_failures=_limit(env, "RATELIMIT_AUTH_FAILURES", defaults.ratelimit_auth_failures),
            trusted_proxies=_int(env, "TRUSTED_PROXIES", defaults.trusted_proxies),
            review_interval_months=_int(env, "REVIEW_INTERVAL_MONTHS", defaults.review_interval_months),
            max_uri_length=_int(env, "MAX_URI_LENGTH", defaults.max_uri_length),
            shared_max_age=_whole_seconds(env, "SHARED_MAX_AGE", defaults.shared_max_age, most=86400),
            stale_while_revalidate=_whole_seconds(
                env, "STALE_WHILE_REVALIDATE", defaults.stale_while_revalidate, most=3600
            ),
            stale_if_error=_whole_seconds(env, "STALE_IF_ERROR", defaults.stale_if_error, most=3600),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _normalize_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named (psycopg 3).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds <= 600:
        raise SystemExit(f"{name} must be a number of seconds from 0 to 600, not {value!r}")
    return seconds


def _whole_seconds(env: Mapping[str, str], name: str, default: int, most: int) -> int:
    value = env.get(name)
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or int(value) > most:
        raise SystemExit(f"{name} must be a whole number of seconds from 0 to {most}, not {value!r}")
    return int(value)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = (env.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"{name} must be true or false, not {value!r}")


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    try:
        parse_many(value)
    except ValueError:
        raise SystemExit(f"{name} must be a rate limit such as '60/minute', not {value!r}") from None
    return value
