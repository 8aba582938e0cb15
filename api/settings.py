"""Application settings, read from the environment once (in :meth:`Settings.from_env`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

LogFormat = Literal["json", "console"]
RateUnit = Literal["second", "minute", "hour", "day"]
DEFAULT_RATE_LIMIT = "120/minute"

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The repository root: where ``migrations/`` lives (source checkout), else the working directory."""
    if (_PACKAGE_ROOT / "migrations").is_dir():
        return _PACKAGE_ROOT
    return Path.cwd()


class RateLimit(msgspec.Struct, frozen=True):
    """At most `requests` per `unit` (Litestar's fixed window)."""

    requests: int
    unit: RateUnit


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every knob of the service. Build it with :meth:`from_env`; tests build it directly."""

    database_url: str | None = None
    """``DATABASE_URL``: a PostgreSQL URL. ``None`` means: use the embedded server under ``data_dir``."""
    database_read_url: str | None = None
    """``DATABASE_READ_URL``: a streaming replica of ``database_url`` that serves the reads (every GET under ``/v1``
    but the changes feed). ``None``: everything uses ``database_url``. Needs ``database_url`` (the embedded server
    has no replica)."""
    statement_cache_size: int = 100
    """``DATABASE_STATEMENT_CACHE_SIZE``: asyncpg's prepared-statement cache per connection (its default, 100);
    ``0`` behind PgBouncer in transaction mode older than 1.21 (or without ``max_prepared_statements``)."""
    data_dir: str = ".data"
    """``TIMELINE_DATA_DIR``: where the embedded PostgreSQL keeps its files (``<data_dir>/postgres``)."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    log_format: LogFormat | None = None
    """``LOG_FORMAT``: ``json`` or ``console``; ``None`` picks console on a terminal, JSON otherwise."""
    cors_origins: tuple[str, ...] = ()
    dataset_path: str = str(project_root() / "data" / "drone-story.yaml")
    pool_min_size: int = 1
    pool_max_size: int = 10
    read_requires_key: bool = False
    """``READ_REQUIRES_KEY``: ``1`` makes every read under ``/v1`` need an API key (any scope); reads are public by
    default."""
    feed_listen: bool = True
    """``FEED_LISTEN``: keep the feed head in memory (one LISTEN connection per process) for SQL-free 304 polls."""
    feed_recheck_seconds: float = 5.0
    """``FEED_RECHECK_SECONDS``: how often the feed head is re-read in case a notification was lost."""
    stream_heartbeat_seconds: float = 15.0
    """``STREAM_HEARTBEAT_SECONDS``: an idle `/v1/changes/stream` gets a keepalive comment this often."""
    rate_limit: RateLimit | None = None
    """``RATE_LIMIT``: requests per client IP for anonymous clients, ``120/minute`` from the environment by default;
    ``off`` (or ``0``) disables it. Settings built directly (tests) have none."""
    webhook_workers: int = 1
    """``WEBHOOK_WORKERS``: delivery tasks per process (``0``: this process sends no webhooks)."""
    webhook_poll_interval: float = 1.0
    """``WEBHOOK_POLL_INTERVAL``: seconds an idle delivery task waits before looking for due deliveries again."""
    webhook_timeout: float = 10.0
    """``WEBHOOK_TIMEOUT``: seconds a receiver has to answer one POST (a timeout is a failed attempt)."""
    webhook_retry_base: float = 10.0
    """``WEBHOOK_RETRY_BASE``: seconds before the first retry; each further retry waits twice as long (±20 %)."""
    webhook_retry_max: float = 3600.0
    """``WEBHOOK_RETRY_MAX``: the longest wait between two attempts, in seconds."""
    webhook_retry_window: float = 86400.0
    """``WEBHOOK_RETRY_WINDOW``: seconds after the first attempt when retries stop and the delivery is `failed`."""

    @property
    def postgres_dir(self) -> Path:
        """The embedded server's data directory."""
        return Path(self.data_dir).expanduser().resolve() / "postgres"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``). Raises ``ValueError`` on bad values."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=_get(env, "DATABASE_URL"),
            database_read_url=_read_url(env),
            statement_cache_size=_int(env, "DATABASE_STATEMENT_CACHE_SIZE", defaults.statement_cache_size),
            data_dir=_get(env, "TIMELINE_DATA_DIR") or defaults.data_dir,
            host=_get(env, "HOST") or defaults.host,
            port=_int(env, "PORT", defaults.port),
            workers=_int(env, "WORKERS", defaults.workers),
            log_level=(_get(env, "LOG_LEVEL") or defaults.log_level).upper(),
            log_format=_log_format(env),
            cors_origins=tuple(o.strip() for o in (_get(env, "CORS_ORIGINS") or "").split(",") if o.strip()),
            dataset_path=_get(env, "TIMELINE_DATASET") or defaults.dataset_path,
            pool_min_size=_int(env, "DATABASE_POOL_MIN", defaults.pool_min_size),
            pool_max_size=_int(env, "DATABASE_POOL_MAX", defaults.pool_max_size),
            read_requires_key=_bool(env, "READ_REQUIRES_KEY", defaults.read_requires_key),
            feed_listen=_bool(env, "FEED_LISTEN", defaults.feed_listen),
            feed_recheck_seconds=_positive_float(env, "FEED_RECHECK_SECONDS", defaults.feed_recheck_seconds),
            stream_heartbeat_seconds=_positive_float(
                env, "STREAM_HEARTBEAT_SECONDS", defaults.stream_heartbeat_seconds
            ),
            rate_limit=parse_rate_limit(_get(env, "RATE_LIMIT") or DEFAULT_RATE_LIMIT),
            webhook_workers=_int(env, "WEBHOOK_WORKERS", defaults.webhook_workers),
            webhook_poll_interval=_positive_float(env, "WEBHOOK_POLL_INTERVAL", defaults.webhook_poll_interval),
            webhook_timeout=_positive_float(env, "WEBHOOK_TIMEOUT", defaults.webhook_timeout),
            webhook_retry_base=_positive_float(env, "WEBHOOK_RETRY_BASE", defaults.webhook_retry_base),
            webhook_retry_max=_positive_float(env, "WEBHOOK_RETRY_MAX", defaults.webhook_retry_max),
            webhook_retry_window=_positive_float(env, "WEBHOOK_RETRY_WINDOW", defaults.webhook_retry_window),
        )


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _read_url(env: Mapping[str, str]) -> str | None:
    read_url = _get(env, "DATABASE_READ_URL")
    if read_url and not _get(env, "DATABASE_URL"):
        # The embedded server is a lone primary: a read URL without DATABASE_URL is a misconfiguration.
        raise ValueError("DATABASE_READ_URL needs DATABASE_URL (the primary that takes the writes)")
    return read_url


def _log_format(env: Mapping[str, str]) -> LogFormat | None:
    raw = (_get(env, "LOG_FORMAT") or "auto").lower()
    if raw == "json":
        return "json"
    if raw == "console":
        return "console"
    if raw == "auto":
        return None
    raise ValueError(f"LOG_FORMAT must be 'json', 'console' or 'auto', not {raw!r}")


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (_get(env, name) or "").lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {value}")
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def parse_rate_limit(raw: str) -> RateLimit | None:
    """`120/minute` (also `/second`, `/hour`, `/day`); `off` or `0` disable it."""
    text = raw.strip().lower()
    if text in ("off", "0", "none"):
        return None
    count, _, unit = text.partition("/")
    units: tuple[RateUnit, ...] = ("second", "minute", "hour", "day")
    if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in units:
        raise ValueError(f"RATE_LIMIT must look like 120/minute (second, minute, hour or day) or off, not {raw!r}")
    return RateLimit(requests=int(count), unit=next(u for u in units if u == unit.strip()))
