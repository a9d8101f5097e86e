"""Job tasks for the tests, registered on import: in-process tests import this module,
`amity serve` and `amity worker` subprocesses get it through AMITY_JOBS_MODULES."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from amity.core.jobs import JOB_ACTOR, task


def note(path: str, *words: object) -> None:
    """Append one line (one write of a short line with O_APPEND: lines never mix)."""
    line = " ".join(str(w) for w in (*words, os.getpid(), f"{time.time():.6f}")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@task("test.record", attempts=1)
def record(services: Any, path: str, n: int, sleep: float = 0.0) -> None:
    """Note its start and its end, with a pause between."""
    note(path, "start", n)
    time.sleep(sleep)
    note(path, "end", n)


@task("test.fail", attempts=3, backoff=0.3)
def fail(services: Any, path: str) -> None:
    note(path, "try")
    raise RuntimeError("the remote end said no")


@task("test.hang_once", attempts=1)
def hang_once(services: Any, path: str) -> None:
    """The first run notes 'start' and hangs (to be killed); a run after that completes."""
    note(path, "start")
    if Path(path).read_text().count("start") == 1:
        time.sleep(600)
    note(path, "done")


@task("test.create_note", attempts=1)
def create_note(services: Any, name: str) -> None:
    """A write of a task, made by JOB_ACTOR."""
    services.records.create(JOB_ACTOR, "Note", {"name": name})


def lines(path: str | Path) -> list[list[str]]:
    file = Path(path)
    return [line.split() for line in file.read_text().splitlines()] if file.exists() else []
