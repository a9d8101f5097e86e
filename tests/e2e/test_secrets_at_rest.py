"""No password, token, session cookie, CSRF token, client or webhook secret is kept in clear: not in
any table of the database (nor the SQLite files' bytes), not in the server's log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from amity.store.engine import unpooled_engine
from tests.e2e.test_serve import Server, amity, server_env

__all__ = ["server_env"]  # a fixture used below

WRONG_PASSWORD = "wrong-Passw0rd-guess"


def database_text(database_url: str) -> str:
    """Every value of every table, as text."""
    engine = unpooled_engine(database_url)
    parts: list[str] = []
    try:
        with engine.connect() as conn:
            for name in sa.inspect(conn).get_table_names():
                quoted = conn.dialect.identifier_preparer.quote(name)
                for row in conn.execute(sa.text(f"SELECT * FROM {quoted}")):
                    parts.extend(str(value) for value in row)
    finally:
        engine.dispose()
    return "\n".join(parts)


def sqlite_bytes(database_url: str) -> bytes:
    if not database_url.startswith("sqlite:///"):
        return b""
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def exercise(base: str, admin_token: str) -> list[str]:
    """Use every kind of credential against the server; returns the secrets seen."""
    secrets = []
    auth = {"Authorization": f"Bearer {admin_token}"}
    assert httpx.get(f"{base}/me", auth=("admin", "e2e-password")).status_code == 200
    assert httpx.get(f"{base}/me", auth=("admin", WRONG_PASSWORD)).status_code == 401
    assert httpx.get(f"{base}/me", headers=auth).status_code == 200
    made = httpx.post(
        f"{base}/admin/clients",
        headers=auth,
        json={"name": "Partner", "redirect_uris": ["https://partner.example/cb"]},
    )
    assert made.status_code == 200, made.text
    secrets.append(made.json()["client_secret"])
    hook = httpx.post(  # a public address; no delete happens, so nothing is sent
        f"{base}/webhooks",
        headers=auth,
        json={"type": "delete", "url": "https://93.184.215.14/hook", "model": "Contact"},
    )
    assert hook.status_code == 200, hook.text
    rotated = httpx.post(f"{base}/webhooks/{hook.json()['id']}/rotate_secret", headers=auth)
    assert rotated.status_code == 200, rotated.text
    secrets += [hook.json()["secret"], rotated.json()["secret"]]
    with httpx.Client(base_url=base) as browser:
        signed_in = browser.post(
            "/session", json={"user_name": "admin", "password": "e2e-password"}
        )
        assert signed_in.status_code == 200, signed_in.text
        csrf = signed_in.json()["csrf_token"]
        secrets += [browser.cookies["amity_session"], csrf]
        wrote = browser.post(
            "/data/Account", json={"data": {"name": "Session Co"}}, headers={"X-CSRF-Token": csrf}
        )
        assert wrote.status_code == 200, wrote.text
        assert browser.delete("/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    return secrets


def test_no_secret_in_clear(server_env: dict[str, str], tmp_path: Path, database_url: str) -> None:
    env = dict(server_env, AMITY_LOG_LEVEL="DEBUG", AMITY_SESSION_AUTH="true")
    token = amity("token", "create", "admin", "--name", "e2e", env=env, cwd=tmp_path)
    admin_token = token.stdout.strip()
    added = amity(
        "client",
        "add",
        "CLI app",
        "--redirect-uri",
        "https://cli.example/cb",
        env=env,
        cwd=tmp_path,
    ).stdout
    cli_secret = added.split("client_secret: ")[1].split()[0]
    server = Server(env, tmp_path)
    server.start()
    try:
        seen = exercise(server.base, admin_token)
    finally:
        server.stop()
    secrets = ["e2e-password", WRONG_PASSWORD, admin_token, cli_secret, *seen]
    log = server.log.read_text()
    assert "GET /api.php/me" in log  # the log is the one we think (DEBUG, every request)
    stored = database_text(database_url)
    assert "Session Co" in stored  # the dump holds the data
    raw = sqlite_bytes(database_url)
    for secret in secrets:
        assert len(secret) >= 12
        leaks: dict[str, Any] = {
            "log": secret in log,
            "database": secret in stored,
            "sqlite files": secret.encode() in raw,
        }
        assert not any(leaks.values()), (secret[:4] + "...", leaks)
