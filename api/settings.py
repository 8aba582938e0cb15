"""Application settings, read from the environment once (in :meth:`Settings.from_env`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

LogFormat = Literal["json", "console"]

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The repository root: where ``migrations/`` lives (source checkout), else the working directory."""
    if (_PACKAGE_ROOT / "migrations").is_dir():
        return _PACKAGE_ROOT
    return Path.cwd()


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every knob of the service. Build it with :meth:`from_env`; tests build it directly."""

    database_url: str | None = None
    """``DATABASE_URL``: a PostgreSQL URL. ``None`` means: use the embedded server under ``data_dir``."""
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
            webhook_workers=_int(env, "WEBHOOK_WORKERS", defaults.webhook_workers),
            webhook_poll_interval=_float(env, "WEBHOOK_POLL_INTERVAL", defaults.webhook_poll_interval),
            webhook_timeout=_float(env, "WEBHOOK_TIMEOUT", defaults.webhook_timeout),
            webhook_retry_base=_float(env, "WEBHOOK_RETRY_BASE", defaults.webhook_retry_base),
            webhook_retry_max=_float(env, "WEBHOOK_RETRY_MAX", defaults.webhook_retry_max),
            webhook_retry_window=_float(env, "WEBHOOK_RETRY_WINDOW", defaults.webhook_retry_window),
        )


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


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


def _float(env: Mapping[str, str], name: str, default: float) -> float:
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
