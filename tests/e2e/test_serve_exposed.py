"""`amity serve --host 0.0.0.0` explains itself: a warning at start, and the 403 a plain-HTTP
request from another machine gets says how to put TLS in front or switch the rule off."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import free_port, server_env

__all__ = ["server_env"]  # a fixture used below


def own_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def serve_on_all_interfaces(env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Start `amity serve --host 0.0.0.0`, ask /version from this machine's network address
    (a client that is not on loopback), stop; the JSON body of the answer, and the log."""
    port = free_port()
    log = cwd / "serve.log"
    address = own_address()
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
        if address is not None:
            body = httpx.get(f"http://{address}:{port}/api.php/version", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return body, log.read_text()


def test_serve_on_all_interfaces_warns_and_the_403_says_what_to_do(
        server_env: dict[str, str], tmp_path: Path) -> None:
    body, log = serve_on_all_interfaces(dict(server_env, AMITY_LOG_LEVEL="WARNING"), tmp_path)
    warning = next(line for line in log.splitlines() if line.startswith("warning: "))
    assert "https_required" in warning and "AMITY_REQUIRE_HTTPS=false" in warning
    if own_address() is None:
        pytest.skip("this machine has no address besides loopback")
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
