"""Job tasks by name: what a job runs, how often it may try, and how long it waits.

A task is a function taking the services and the job's keyword arguments (JSON values).
A job may run twice (its runner died after the work but before it said so), so a task
must be safe to run again. Writes a task makes act as JOB_ACTOR: source "job".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amity.core.actor import Actor

JOB_ACTOR = Actor(user_id="1", user_name="admin", is_admin=True, source="job")
"""Who a task's writes are made by (the admin user, source "job")."""

TaskFunc = Callable[..., object]


@dataclass(frozen=True)
class Task:
    """A registered task: `attempts` runs at most; the n-th retry waits backoff * 2**(n-1)
    seconds; `every` (seconds) makes it periodic: deferred at start and then about that
    often, never twice while one is waiting."""

    name: str
    func: TaskFunc
    attempts: int = 5
    backoff: float = 10.0
    every: float | None = None


TASKS: dict[str, Task] = {}


def task(
    name: str, *, attempts: int = 5, backoff: float = 10.0, every: float | None = None
) -> Callable[[TaskFunc], TaskFunc]:
    """Register the decorated function as the task `name` (a name is registered once)."""
    if attempts < 1:
        raise ValueError("a task needs at least one attempt")

    def register(func: TaskFunc) -> TaskFunc:
        known = TASKS.get(name)
        if known is not None and known.func is not func:
            raise ValueError(f"a job task named {name!r} is registered already")
        TASKS[name] = Task(name, func, attempts, backoff, every)
        return func

    return register


def lookup(name: str) -> Task:
    """The registered task `name`; ValueError for an unknown one (a programming error)."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"no job task named {name!r} is registered") from None


def error_text(exc: BaseException) -> str:
    """What the job list shows of a failure."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:2000]


def run_task(services: Any, name: str, args: dict[str, Any]) -> None:
    """Run the task `name` with the job's arguments."""
    lookup(name).func(services, **args)
