"""Settings: read from the environment only in Settings.from_env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from api.settings import RateLimit, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.data_dir == ".data"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.log_level == "INFO"
    assert settings.log_format is None
    assert settings.cors_origins == ()
    assert Path(settings.dataset_path).parts[-2:] == ("data", "drone-story.yaml")
    assert settings.postgres_dir == Path(".data").resolve() / "postgres"


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@db:5432/timeline",
            "TIMELINE_DATA_DIR": "/var/lib/timeline",
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "WORKERS": "4",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "CORS_ORIGINS": "https://a.example, https://b.example",
            "TIMELINE_DATASET": "/tmp/story.yaml",
            "DATABASE_POOL_MIN": "2",
            "DATABASE_POOL_MAX": "20",
        }
    )
    assert settings == Settings(
        database_url="postgresql://u@db:5432/timeline",
        data_dir="/var/lib/timeline",
        host="0.0.0.0",
        port=9000,
        workers=4,
        log_level="DEBUG",
        log_format="json",
        cors_origins=("https://a.example", "https://b.example"),
        dataset_path="/tmp/story.yaml",
        pool_min_size=2,
        pool_max_size=20,
        rate_limit=RateLimit(120, "minute"),  # RATE_LIMIT's default from the environment (Settings() has none)
    )
    assert settings.postgres_dir == Path("/var/lib/timeline/postgres")


def test_empty_values_mean_unset() -> None:
    settings = Settings.from_env({"DATABASE_URL": "", "PORT": " ", "LOG_FORMAT": "auto"})
    assert settings.database_url is None
    assert settings.port == 8000
    assert settings.log_format is None


@pytest.mark.parametrize(
    ("name", "value"), [("PORT", "eighty"), ("WORKERS", "-1"), ("LOG_FORMAT", "xml"), ("DATABASE_POOL_MAX", "1.5")]
)
def test_bad_values_are_rejected_with_the_variable_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_environment_is_read_only_by_from_env() -> None:
    # A child process with its own environment: nothing in this process is patched.
    script = (
        "from api.settings import Settings; s, e = Settings(), Settings.from_env(); "
        "print(s.port, s.database_url, e.port, e.database_url)"
    )
    env = {**os.environ, "PORT": "1234", "DATABASE_URL": "postgresql://elsewhere/db"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["8000", "None", "1234", "postgresql://elsewhere/db"]


def test_settings_round_trip_through_msgspec() -> None:
    settings = Settings.from_env({"PORT": "8080", "CORS_ORIGINS": "https://x.example"})
    assert msgspec.json.decode(msgspec.json.encode(settings), type=Settings) == settings
