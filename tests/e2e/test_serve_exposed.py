"""`amity serve --host 0.0.0.0` explains itself: a warning at start, and the 403 a plain-HTTP
request from another machine gets says how to put TLS in front or switch the rule off.

The request "from another machine" comes through loopback only (no traffic leaves this
machine): it names a documentation address in X-Forwarded-For, sent from 127.0.0.1, which
the server is told is its proxy."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_serve import Server, server_env

__all__ = ["server_env"]  # a fixture used below


def serve_on_all_interfaces(env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Start `amity serve --host 0.0.0.0`, ask /version for a client that is not on
    loopback (through the proxy at 127.0.0.1), stop; the JSON body of the answer, and the
    log."""
    server = Server(env, cwd, options=("--host", "0.0.0.0"))
    server.start()
    try:
        body = httpx.get(
            f"{server.base}/version", timeout=10, headers={"X-Forwarded-For": "203.0.113.7"}
        ).text
    finally:
        server.stop()
    return body, server.log.read_text()


def test_serve_on_all_interfaces_warns_and_the_403_says_what_to_do(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(server_env, AMITY_LOG_LEVEL="WARNING", AMITY_TRUSTED_PROXIES="127.0.0.1")
    body, log = serve_on_all_interfaces(env, tmp_path)
    warning = next(line for line in log.splitlines() if line.startswith("warning: "))
    assert "https_required" in warning and "AMITY_REQUIRE_HTTPS=false" in warning
    assert '"error":"https_required"' in body.replace(" ", "")
    assert "reverse_proxy" in body and "AMITY_TRUSTED_PROXIES" in body
    assert "AMITY_REQUIRE_HTTPS=false" in body


def test_serve_on_loopback_says_nothing_about_https(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    server = Server(server_env, tmp_path)
    server.start()
    server.stop()
    out = server.log.read_text()
    assert "https_required" not in out and "warning:" not in out
