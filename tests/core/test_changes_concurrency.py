"""The change feed under concurrent writers: a reader that follows the cursor sees every
committed event exactly once and never one that rolled back, also when (PostgreSQL) a
transaction takes a low event id and commits after others with higher ids."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from amity.core.changes import Cursor
from amity.core.services import Services
from tests.conftest import User

WRITERS = 4
PER_WRITER = 12


class Boom(Exception):
    """Rolls a write back after its event is written."""


def run_threads(*targets: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported by the test
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(360)
        assert not thread.is_alive(), "a thread hangs"
    return errors


def test_a_reader_sees_every_committed_event_once_and_no_rolled_back_one(
    services: Services, admin: User
) -> None:
    actor = admin.actor
    feed = services.changes
    postgresql = services.db.tables.dialect == "postgresql"
    start = feed.page(actor, None, 1000)
    while start.has_more:
        start = feed.page(actor, start.next, 1000)
    committed: set[str] = set()
    rolled_back: set[str] = set()
    lock = threading.Lock()
    writers_done = threading.Event()
    held_taken = threading.Event()
    release = threading.Event()
    all_written = threading.Event()
    seen: list[dict[str, Any]] = []
    passes_while_held: list[int] = []

    def writer(n: int) -> None:
        held_taken.wait(300)
        for i in range(PER_WRITER):
            if i % 4 == 3:  # every fourth write fails after its event is in the outbox
                try:
                    with services.db.shared_write():
                        rid = services.records.create(actor, "Note", {"name": f"x{n}-{i}"})
                        with lock:
                            rolled_back.add(rid)
                        raise Boom
                except Boom:
                    pass
                continue
            rid = services.records.create(actor, "Note", {"name": f"w{n}-{i}"})
            with lock:
                committed.add(rid)

    def holder() -> None:
        """Takes an event id first, then commits only after the others (PostgreSQL); a
        Task, so that it holds no row the writers of notes need (their model's count)."""
        with services.db.shared_write():
            rid = services.records.create(actor, "Task", {"name": "held"})
            held_taken.set()
            if postgresql:
                writers_done.wait(300)
                release.wait(300)  # until the reader has read past the others' commits
        with lock:
            committed.add(rid)

    def writers() -> None:
        errors = run_threads(*(lambda n=n: writer(n) for n in range(WRITERS)))
        assert not errors, errors
        writers_done.set()

    def reader() -> None:
        cursor = start.next
        deadline = time.monotonic() + 300  # other databases' transactions may hold it back
        while time.monotonic() < deadline:
            page = feed.page(actor, cursor, 7)
            seen.extend(page.events)
            cursor = page.next
            if page.has_more:
                continue
            if writers_done.is_set() and not release.is_set():
                # events of other writers (a login, a job) may pass: only the notes count
                passes_while_held.append(sum(e["model"] in ("Note", "Task") for e in seen))
                if len(passes_while_held) >= 3:
                    release.set()
            with lock:
                notes = {e["record_id"] for e in seen if e["model"] in ("Note", "Task")}
                if all_written.is_set() and committed <= notes:
                    return
            time.sleep(0.005)
        raise AssertionError("the reader never caught up")

    def writing() -> None:
        errors = run_threads(holder, writers)
        assert not errors, errors
        all_written.set()

    if not postgresql:
        release.set()
    errors = run_threads(writing, reader)
    assert not errors, errors
    notes = [e for e in seen if e["model"] in ("Note", "Task")]
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)), "an event was seen twice"
    assert {e["record_id"] for e in notes} == committed
    assert len(notes) == len(committed) == WRITERS * PER_WRITER * 3 // 4 + 1
    assert not {e["record_id"] for e in notes} & rolled_back
    if postgresql:  # the held event took an id below others' and committed after them
        held = next(e for e in notes if e["model"] == "Task")
        assert held["id"] < min(e["id"] for e in notes if e is not held)
        assert passes_while_held, "the reader did not read while the write was held"
        assert max(passes_while_held) == 0  # later commits wait for the held transaction


def test_a_cursor_round_trips() -> None:
    cursor = Cursor(123456789012, 42, datetime(2030, 1, 2, 3, 4, 5))
    assert Cursor.decode(cursor.encode()) == cursor
