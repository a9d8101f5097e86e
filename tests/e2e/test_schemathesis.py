"""A bounded schemathesis run over the live OpenAPI document against `amity serve` (with
demo data): no 5xx, no status, content type or body that contradicts the document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.test_serve import Server, amity, server, server_env, token

__all__ = ["server", "server_env", "token"]  # fixtures used below

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


def test_schemathesis_finds_no_contract_violation(
    server: Server, token: str, server_env: dict[str, str], tmp_path: Path
) -> None:
    amity("demo", "--contacts", "20", env=server_env, cwd=tmp_path)
    st = Path(sys.executable).parent / "st"
    run = subprocess.run(
        [
            str(st),
            "run",
            f"{server.base}/openapi.json",
            "--url",
            server.base,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            "2",
            "--seed",
            "20261125",
            "--phases",
            "examples,fuzzing",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    failures = run.stdout.partition("FAILURES")[2][:6000]
    assert run.returncode == 0, (failures or run.stdout[-3000:]) + run.stderr[-2000:]
    assert " generated, " in run.stdout and " passed" in run.stdout
