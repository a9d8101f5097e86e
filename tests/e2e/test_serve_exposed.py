"""`amity serve --host 0.0.0.0` explains itself: a warning at start, and the 403 a plain-HTTP
request from another machine gets says how to put TLS in front or switch the rule off.

The request "from another machine" comes through loopback only (no traffic leaves this
machine): it names a documentation address in X-Forwarded-For, sent from 127.0.0.1, which
the server is told is its proxy."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.test_serve import free_port, server_env

__all__ = ["server_env"]  # a fixture used below


def serve_on_all_interfaces(env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Start `amity serve --host 0.0.0.0`, ask /version for a client that is not on
    loopback (through the proxy at 127.0.0.1), stop; the JSON body of the answer, and the
    log."""
    port = free_port()
    log = cwd / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "amity", "serve", "--host", "0.0.0.0",
                                 "--port", str(port)], env=env, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT)
    body = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api.php/version").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        body = httpx.get(f"http://127.0.0.1:{port}/api.php/version", timeout=10,
                         headers={"X-Forwarded-For": "203.0.113.7"}).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return body, log.read_text()


def test_serve_on_all_interfaces_warns_and_the_403_says_what_to_do(
        server_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(server_env, AMITY_LOG_LEVEL="WARNING", AMITY_TRUSTED_PROXIES="127.0.0.1")
    body, log = serve_on_all_interfaces(env, tmp_path)
    warning = next(line for line in log.splitlines() if line.startswith("warning: "))
    assert "https_required" in warning and "AMITY_REQUIRE_HTTPS=false" in warning
    assert '"error":"https_required"' in body.replace(" ", "")
    assert "reverse_proxy" in body and "AMITY_TRUSTED_PROXIES" in body
    assert "AMITY_REQUIRE_HTTPS=false" in body


def test_serve_on_loopback_says_nothing_about_https(server_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "amity", "serve", "--port", str(port)],
                            env=server_env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api.php/version").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "https_required" not in out and "warning:" not in out
