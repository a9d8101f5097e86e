"""`amity ...` as a user runs it, in this process (a process costs seconds of start-up):
`amity.cli.main` with the environment, working directory and empty stdin a shell would
give it, its stdout and stderr captured; it must close the Services it opened, leave no
thread running, and never start a server. `run_process` is the real entry point in a
subprocess, for the tests where the process boundary itself is what is tested."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import uvicorn

from amity import cli
from amity.core.services import Services


@dataclass
class Ran:
    """What a command did: its exit code and what it printed."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], env: dict[str, str], cwd: Path, check: bool = True) -> Ran:
    """`amity *args` in this process with `env` as its whole environment, in `cwd`; with
    `check`, a non-zero exit fails the test."""
    opened: list[Services] = []
    closed: list[Services] = []
    build = cli.build_services

    def tracked(*a: Any, **kw: Any) -> Services:
        services = build(*a, **kw)
        opened.append(services)
        close = services.close

        def closing() -> None:
            closed.append(services)
            close()

        services.close = closing  # type: ignore[method-assign]
        return services

    def no_server(*a: Any, **kw: Any) -> None:
        raise AssertionError(f"amity {' '.join(args)} would serve inside the test process")

    out, err = io.StringIO(), io.StringIO()
    before = set(threading.enumerate())
    with (
        mock.patch.dict(os.environ, env, clear=True),
        contextlib.chdir(cwd),
        mock.patch.object(cli, "build_services", tracked),
        mock.patch.object(uvicorn, "run", no_server),
        mock.patch.object(sys, "stdin", io.StringIO()),  # not a terminal, as in a pipe
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = cli.main(args)
        except SystemExit as exit:  # argparse: --help, or a usage error
            code = exit.code if isinstance(exit.code, int) else 1
    command = " ".join(args)
    left_open = [s for s in opened if not any(s is c for c in closed)]
    assert not left_open, f"amity {command} left its Services open"
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"amity {command} left threads running: {left}"
    ran = Ran(args, code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(f"amity {command} exited {code}: {ran.stderr}")
    return ran


def run_process(
    args: list[str], env: dict[str, str], cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`python -m amity *args` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "amity", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )
