"""Settings: each declared once with its default and help, read from AMITY_* variables."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

SQLITE_PREFIX = "sqlite:///"


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
        1.0,
        "How long a worker remembers a valid access token and a user's role rights (s); "
        "other workers hear of revocations and role changes at once, and this bounds how "
        "long a lost message can matter. 0 turns the cache off.",
    )
    vtiger_token_seconds: int = _setting(
        86400, "How long a token from the Vtiger RestfulApi login stays valid (s)."
    )
    opencrm_accesskey_idle_seconds: int = _setting(
        1800,
        "How long an access key from the OpenCRM login end point stays valid without "
        "requests (s); every request with it starts the period again.",
    )
    metadata_check_seconds: float = _setting(
        1.0,
        "How often a worker checks whether another process changed the metadata "
        "(custom fields and models) (s); a request naming a field or model the worker does "
        "not know checks at once. 0: check on every request.",
    )
    db_pool_size: int = _setting(5, "Connections kept open per worker process (PostgreSQL).")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "Largest request body accepted (bytes).")
    rate_limit: str = _setting(
        "600/minute",
        "Requests allowed per credential (a personal token; a user signed in "
        "with Basic or a session; an OAuth client's token for one owner; a portal contact), "
        "e.g. '600/minute' or '10/second'; admins can set other limits per user and per "
        "client; '' or '0' turns limits off.",
    )
    rate_limit_anonymous: str = _setting(
        "120/minute", "Requests allowed per client IP without credentials; '' or '0': off."
    )
    rate_limit_failed_auth: str = _setting(
        "20/minute",
        "Failed authentications (401) allowed per client IP; past them its "
        "passwords and client secrets are refused (429) unchecked, while valid tokens and "
        "session cookies still work; '' or '0': off.",
    )
    rate_limit_token_endpoint: str = _setting(
        "30/minute",
        "Requests to the OAuth token endpoints (/auth/{user|contact}/access_token "
        "and /revoke) allowed per client IP; '' or '0': off.",
    )
    redis_url: str = _setting(
        "",
        "Redis URL (redis://host:6379/0) for rate-limit counts shared by all worker "
        "processes and the channel on which they tell each other of changes (cache "
        "invalidation); empty: each worker counts in memory, and changes travel by "
        "PostgreSQL LISTEN/NOTIFY (on SQLite: the outbox).",
    )
    redis_key_prefix: str = _setting("amity", "Prefix of the keys Amity keeps in Redis.")
    api_log: bool = _setting(
        True,
        "Record every API call (time, user, credential, IP, method, path, status, "
        "duration) in the api_calls table, readable by admins at /api.php/admin/api_calls.",
    )
    api_log_retention_days: int = _setting(
        30, "Days an API call stays in the log before it is deleted."
    )
    changes_retention_days: int = _setting(
        30,
        "Days a record's change event stays in the change feed (/api.php/changes) before "
        "it is deleted; configuration events are kept. 0: keep every event.",
    )
    audit_retention_days: int = _setting(
        0,
        "Days an audit row (/api.php/audit) is kept before a periodic job deletes it; "
        "0 keeps them forever.",
    )
    language: str = _setting(
        "en",
        "Language of labels and messages when a request's Accept-Language names none "
        "that Amity ships (en, de, or a catalog in AMITY_LOCALE_DIR).",
    )
    locale_dir: str = _setting(
        "", "A directory of extra language catalogs (xx.json, as amity/i18n/de.json)."
    )
    currency: str = _setting("USD", "Base currency (ISO 4217 code) shown by /meta/locale.")
    company_name: str = _setting(
        "", "Company name printed at the head of PDF documents (/printer/pdf)."
    )
    company_address: str = _setting(
        "",
        "Company address printed under its name on PDF documents; lines separated by "
        "\\n (a backslash and n, or a real line break).",
    )
    session_auth: bool = _setting(
        False,
        "Let browsers sign in at /api.php/session and call the API with the session "
        "cookie (for apps embedded in the CRM's pages); such calls that change data must send "
        "the session's X-CSRF-Token.",
    )
    session_lifetime_seconds: int = _setting(
        8 * 3600, "How long a cookie session lasts after sign-in (s)."
    )
    require_https: bool = _setting(
        True, "Refuse plain-HTTP requests (403 https_required) except from loopback clients."
    )
    trusted_proxies: str = _setting(
        "",
        "Comma-separated IPs or networks of reverse proxies whose X-Forwarded-Proto and "
        "X-Forwarded-For are believed; empty: those headers are ignored.",
    )
    api_allow: str = _setting(
        "",
        "Comma-separated IPs or networks that may use the API (403 for others); "
        "empty: every address.",
    )
    metrics_allow: str = _setting(
        "",
        "Comma-separated IPs or networks that may read GET /metrics without credentials "
        "(a Prometheus server); empty: administrators' credentials only.",
    )
    default_role: str = _setting(
        "",
        "Role of users who have none (a role name, see `amity role`); empty: such users "
        "have every right on every model, as before roles existed.",
    )
    portal_token_seconds: int = _setting(
        3600, "How long a portal contact's access token (POST /api.php/portal/auth) lasts (s)."
    )
    data_dir: str = _setting(
        "",
        "Directory of the files Amity generates that hold secrets (the JWT signing key, "
        "the quickstart's .amity-login), created with mode 0700 when missing. Empty: the "
        "SQLite database's directory, or ./amity-data with PostgreSQL.",
    )
    jwt_key_file: str = _setting(
        "",
        "PEM file with the private key that signs OAuth access tokens (RS256); created "
        "with mode 0600 on first start. Empty: amity-jwt-key.pem in AMITY_DATA_DIR.",
    )
    oauth_issuer: str = _setting(
        "",
        "OAuth issuer (iss) and base URL of the server, e.g. https://crm.example.com; "
        "empty: taken from each request's scheme and Host.",
    )
    oauth_access_token_seconds: int = _setting(3600, "Lifetime of OAuth access tokens (s).")
    oauth_refresh_token_days: int = _setting(
        30, "Lifetime of OAuth refresh tokens (days); each use rotates the token."
    )

    jobs_in_serve: bool = _setting(
        True,
        "Run background jobs inside `amity serve`; false: only `amity worker` processes "
        "run them (PostgreSQL: any number, on any machines).",
    )
    jobs_concurrency: int = _setting(
        8, "Jobs one worker process runs at once (PostgreSQL; SQLite runs one at a time)."
    )
    jobs_poll_seconds: float = _setting(
        1.0,
        "How often an idle job runner looks for due jobs (s); a deferring write wakes the "
        "runner of its own process at once (PostgreSQL: every worker, via NOTIFY).",
    )
    jobs_stalled_seconds: int = _setting(
        120,
        "A job runner not heard from for this long is taken for dead and the jobs it held "
        "run again (s); a job of a process killed mid-run runs again within about twice "
        "this time.",
    )
    jobs_retention_days: int = _setting(
        7, "Days a finished (succeeded, failed, cancelled) job is kept before it is deleted."
    )
    jobs_modules: str = _setting(
        "",
        "Comma-separated Python modules imported at start that register more job tasks "
        "(amity.core.jobs.task); empty: the built-in tasks only.",
    )

    webhook_allow_networks: str = _setting(
        "",
        "Comma-separated CIDRs (e.g. 10.0.0.0/8, fd00::/8) webhook URLs may point into "
        "although they are private; plain http:// is accepted only for hosts in them. "
        "Empty: only public addresses over https.",
    )
    files_dir: str = _setting(
        "",
        "Directory of uploaded files (and of uploads on their way to an S3 bucket); empty: "
        "amity-files beside the SQLite database, or ./amity-files on PostgreSQL.",
    )
    files_url: str = _setting(
        "",
        "s3://bucket/prefix keeps files in an S3-compatible bucket (endpoint and credentials "
        "from the AWS_* variables: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...); empty: "
        "the files directory.",
    )
    max_upload_bytes: int = _setting(
        100 * 1024 * 1024, "Largest file POST /files/upload accepts (bytes)."
    )
    upload_ttl_seconds: int = _setting(
        86400,
        "How long an uploaded file waits to be attached to a record before it is removed (s).",
    )
    file_url_seconds: int = _setting(
        300, "How long a file's temp_url downloads it without credentials (s)."
    )

    def company_address_lines(self) -> tuple[str, ...]:
        """The company address as lines: split at "\\n" written out or at real line breaks."""
        text = self.company_address.replace("\\n", "\n")
        return tuple(line.strip() for line in text.splitlines() if line.strip())

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
    return [("AMITY_" + f.name.upper(), f.default, f.metadata["help"]) for f in fields(Settings)]


def sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:///path URL (None for other databases and in-memory ones)."""
    if not url.startswith(SQLITE_PREFIX) or ":memory:" in url:
        return None
    return Path(url.removeprefix(SQLITE_PREFIX).partition("?")[0])


def parse_networks(
    raw: str, name: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A setting's '10.0.0.1, 192.168.0.0/16, ::1' -> networks; ValueError names the
    setting (AMITY_ + `name`) and the malformed entry."""
    networks = []
    for item in raw.split(","):
        text = item.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as exc:
            raise ValueError(
                f"AMITY_{name.upper()} must be a comma-separated list of IP "
                f"addresses or networks (10.0.0.0/8, ::1); {text!r}: {exc}"
            ) from None
    return tuple(networks)
