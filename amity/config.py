"""Settings: each declared once with its default and help, read from AMITY_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


def _setting(default: Any, help: str) -> Any:
    from dataclasses import field

    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every setting of Amity; the environment variable is AMITY_ + the upper-case name."""

    database_url: str = _setting(
        "sqlite:///./amity.db", "Database URL: sqlite:///path or postgresql://user@host/db."
    )
    basic_auth: bool = _setting(True, "Accept HTTP Basic authentication with user name/password.")
    log_level: str = _setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")
    fiscal_year_start_month: int = _setting(
        1, "Month (1-12) in which the fiscal year starts, for fiscal_* date filters."
    )
    sqlite_synchronous: str = _setting(
        "FULL", "SQLite synchronous pragma: FULL (durable, default) or NORMAL."
    )
    sqlite_busy_timeout_ms: int = _setting(
        10000, "How long a SQLite writer waits for the lock before giving up (ms)."
    )
    auth_cache_seconds: float = _setting(
        1.0, "How long a worker remembers a valid access token (s); revocations reach every "
        "worker within this time. 0 turns the cache off.")
    db_pool_size: int = _setting(5, "Connections kept open per worker process (PostgreSQL).")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "Largest request body accepted (bytes).")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from AMITY_* variables; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("AMITY_" + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(raw, f.default, f.name)
        values.update(overrides)
        return cls(**values)


def _convert(raw: str, default: Any, name: str) -> Any:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"AMITY_{name.upper()} must be a boolean, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"AMITY_{name.upper()} must be an integer, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"AMITY_{name.upper()} must be a number, got {raw!r}") from None
    return raw


def describe_settings() -> list[tuple[str, Any, str]]:
    """(environment variable, default, help) for every setting, for docs and --help."""
    return [
        ("AMITY_" + f.name.upper(), f.default, f.metadata["help"]) for f in fields(Settings)
    ]
