"""Settings, read once from environment variables; every variable is listed in the README."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "immunotherapy.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    seed_dir: Path = PROJECT_ROOT / "seed"
    # The in-process cache of anonymous GET responses, per worker; 0 turns it off.
    response_cache_entries: int = 2048
    response_cache_bytes: int = 32 * 1024 * 1024

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
            response_cache_entries=_int(env, "RESPONSE_CACHE_ENTRIES", defaults.response_cache_entries),
            response_cache_bytes=_int(env, "RESPONSE_CACHE_BYTES", defaults.response_cache_bytes),
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
