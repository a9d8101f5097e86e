"""Every shell and Python example in README.md and docs/*.md runs as printed, against a
quickstart server: `amity quickstart` then `amity serve` in a temporary directory, as
`make run` does.

Fenced ```sh and ```python blocks are run whole (a block is one script: `TOKEN=...` on one
line is seen by the next); each must exit 0, and every curl in a shell block must get a 2xx
(curl runs as `curl --fail-with-body -sS`). A ```json block whose first line is a request
line (`POST /api.php/admin/models`) is that request with the rest as its body, sent with the
admin's token; it must get a 2xx. Before running, the placeholders are replaced by what the
quickstart printed: `amity_pat_...` (the token), `PASSWORD` (the admin password), port
`8000` (the server's port), and `.venv/bin/` by this test's virtualenv.

A block that cannot run here is marked on the line before it with an HTML comment giving
the reason, `<!-- not-run: needs a PostgreSQL server -->`; keep those few.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import Server, amity

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = {"sh": "sh", "shell": "sh", "bash": "sh", "console": "sh", "python": "python"}
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S+)$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(\S.*?)\s*-->$")
# sections another change rewrites; their blocks need a PostgreSQL server, a TLS proxy and
# several hosts. Drop an entry once its blocks carry their own not-run marks.
NOT_RUN_SECTIONS = {"PostgreSQL and several workers": "needs a PostgreSQL server elsewhere"}
SHELL_PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body -sS "$@"; }\n'


@dataclass(frozen=True)
class Example:
    """One fenced block: where it is, its language, its text, why it is not run (if so)."""

    where: str
    language: str
    text: str
    not_run: str | None


def examples(path: Path) -> Iterator[Example]:
    """The ```sh, ```python and request blocks of one Markdown file, in order."""
    lines = path.read_text().splitlines()
    section, mark, i = "", None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        found = NOT_RUN.match(line.strip())
        if found:
            mark = found.group(1)
        elif line.startswith("```"):
            language, start = line[3:].strip(), i + 1
            i += 1
            while not lines[i].startswith("```"):
                i += 1
            kind = (
                "http"
                if language == "json" and REQUEST_LINE.match(lines[start])
                else LANGUAGES.get(language)
            )
            if kind:
                yield Example(
                    f"{path.relative_to(ROOT)}:{start}",
                    kind,
                    "\n".join(lines[start:i]) + "\n",
                    mark or NOT_RUN_SECTIONS.get(section),
                )
            mark = None
        elif line.strip():
            mark = None  # a mark applies to the block right after it
        i += 1


ALL = [example for path in DOCUMENTS for example in examples(path)]


@dataclass
class Quickstart:
    """A quickstart server and what its first run printed."""

    server: Server
    password: str
    token: str
    env: dict[str, str]

    def substitute(self, text: str) -> str:
        text = text.replace("amity_pat_...", self.token)
        text = re.sub(r"\bPASSWORD\b", self.password, text)
        text = re.sub(r"\b(127\.0\.0\.1|localhost):8000\b", f"127.0.0.1:{self.server.port}", text)
        return text.replace(".venv/bin/", str(Path(sys.executable).parent) + "/")


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Quickstart]:
    """`amity quickstart` and `amity serve` in an empty directory, with default settings."""
    cwd = tmp_path_factory.mktemp("quickstart")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMITY_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    server = Server(env, cwd)
    printed = amity("quickstart", "--port", str(server.port), env=env, cwd=cwd).stdout
    password = re.search(r"admin password:\s+(\S+)", printed)
    token = re.search(r"access token:\s+(amity_pat_\S+)", printed)
    assert password and token, printed
    server.start()
    try:
        yield Quickstart(server, password.group(1), token.group(1), env)
    finally:
        server.stop()


@pytest.mark.parametrize("example", ALL, ids=[e.where for e in ALL])
def test_example_runs_as_printed(example: Example, quickstart: Quickstart) -> None:
    if example.not_run:
        pytest.skip(f"not run: {example.not_run}")
    script = quickstart.substitute(example.text)
    if example.language == "http":
        request_line, body = script.split("\n", 1)
        method, path = request_line.split()
        answer = httpx.request(
            method,
            f"http://127.0.0.1:{quickstart.server.port}{path}",
            content=body,
            timeout=60,
            headers={
                "Authorization": f"Bearer {quickstart.token}",
                "Content-Type": "application/json",
            },
        )
        assert answer.is_success, f"{example.where}: {answer.status_code} {answer.text}"
        return
    command = (
        ["bash", "-c", SHELL_PRELUDE + script]
        if example.language == "sh"
        else [sys.executable, "-c", script]
    )
    done = subprocess.run(
        command,
        env=quickstart.env,
        cwd=quickstart.server.cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"{example.where} failed ({done.returncode}):\n{script}\n"
        f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    )


def test_the_documents_have_examples_to_run() -> None:
    """The extraction finds the README's examples (a broken parser would skip them all)."""
    runnable = [e for e in ALL if not e.not_run]
    assert {e.language for e in runnable} == {"sh", "python", "http"}
    assert any("curl" in e.text for e in runnable)
