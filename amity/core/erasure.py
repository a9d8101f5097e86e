"""GDPR erasure: the values of named fields of one record are emptied on the record and
removed from every store that keeps a copy of them, in one transaction.

The record's own row is written first (its version goes up and an `update` event is
queued, whose changes show each erased field as {"erased": true}, never a value; its
audit rows say `erased`, with source `erase`). Then each participant clears its store:
the audit, the kept events (change feed), webhook snapshots and delivery logs, stored
Idempotency-Key answers, and the files of file fields (whose bytes go only once the
erasure has committed: a failed erasure leaves every file readable). A participant is
one function `(conn, Erased) -> None` in `PersonalData.participants`: report runs append
theirs in core/services.py, as a store added later does. On SQLite every connection runs
with `secure_delete` on (store/engine.py: freed bytes are zeroed) and the WAL is
checkpointed after the commit.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.fields import known_field
from amity.core.files.service import Files, holds_file
from amity.core.records import Records
from amity.errors import BadRequest, Forbidden, NotFound
from amity.schema.model import Field, Model
from amity.store.erasure import ERASED_CHANGE, ErasureStore, Traces

ERASE_SOURCE = "erase"
"""The source of an erasure's event and audit rows."""
log = logging.getLogger("amity.erasure")


@dataclass(frozen=True)
class Erased:
    """What one erasure removes: these fields of this record, and every value they held
    (now or earlier: the record, the audit, the events), to find copies by content."""

    model: Model
    record_id: str
    fields: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def traces(self) -> Traces:
        """What to look for in stored bodies (answers, delivery logs)."""
        return Traces(self.record_id, frozenset(self.fields), frozenset(self.values))


Participant = Callable[[Connection, Erased], None]


def erasable(fd: Field) -> bool:
    """Fields whose values an erasure may empty: stored values a client writes (not ids,
    links, or what the server maintains). Required fields are erasable too: the erasure
    is the one write that may leave them empty."""
    return fd.stored and fd.editable and not fd.system and fd.type not in ("id", "ref")


def parse_fields(model: Model, raw: Any) -> tuple[str, ...]:
    """The fields an erasure request names ("email1,phone_work" or a list), checked."""
    if isinstance(raw, str):
        names = [part.strip() for part in raw.split(",")]
    elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        names = [item.strip() for item in raw]
    else:
        raise BadRequest(
            "Name the fields to erase",
            'send {"data": {"fields": "email1,phone_work"}}',
        )
    names = [name for name in dict.fromkeys(names) if name]
    if not names:
        raise BadRequest(
            "Name the fields to erase", 'send {"data": {"fields": "email1,phone_work"}}'
        )
    for name in names:
        fd = known_field(model, name)
        if not erasable(fd):
            raise BadRequest(
                "Field {field} of model {model} cannot be erased",
                "erase fields that hold values; the fields of {model} mark personal data as "
                "personal",
                field=name,
                model=model.name,
            )
    return tuple(names)


class PersonalData:
    """Erases fields of records; `participants` clear the stores that keep copies."""

    def __init__(self, records: Records, files: Files) -> None:
        self.records = records
        self.files = files
        self.db = records.db
        self.store = ErasureStore(records.db)
        self.participants: list[Participant] = [
            self.clear_audit,
            self.clear_events,
            self.clear_webhooks,
            self.clear_idempotent_answers,
            self.clear_files,  # the bytes go after the commit (remove_blobs)
        ]

    def erase(self, actor: Actor, model_name: str, record_id: str, fields: Any) -> None:
        """Empty `fields` of the record everywhere; 404 when the actor may not edit it."""
        model = self.records.model(model_name)
        names = parse_fields(model, fields)
        origin = dataclasses.replace(actor, source=ERASE_SOURCE)
        with self.db.write() as conn:
            before = self.editable_row(conn, actor, model, record_id, names)
            erased = Erased(model, record_id, names, self.known_values(conn, before, model, names))
            self.empty_record(conn, origin, model, record_id, names)
            for participant in self.participants:
                participant(conn, erased)
            self.db.after_commit(self.checkpoint)

    def editable_row(
        self, conn: Connection, actor: Actor, model: Model, record_id: str, names: Sequence[str]
    ) -> dict[str, Any]:
        """The stored row, if the actor may edit it: 403 for a model the actor may not
        edit at all, and a record the actor may not edit answers as a missing one (404)."""
        self.records.policy.check(actor, model, "edit")
        try:
            row = self.records.visible_row(conn, actor, model, record_id, lock=True)
            if row is not None:
                self.records.policy.check(actor, model, "edit", row, dict.fromkeys(names))
        except Forbidden:
            row = None
        if row is None:
            raise NotFound("Not found", "No {model} with id {id}", model=model.name, id=record_id)
        return row

    def known_values(
        self, conn: Connection, row: dict[str, Any], model: Model, names: Sequence[str]
    ) -> tuple[str, ...]:
        values = [str(row[name]) for name in names if row.get(name) not in (None, "")]
        values += self.store.audited_values(conn, model.name, row["id"], names)
        values += self.store.event_values(conn, model.name, row["id"], names)
        return tuple(dict.fromkeys(values))

    def empty_record(
        self, conn: Connection, origin: Actor, model: Model, record_id: str, names: Sequence[str]
    ) -> None:
        """The record's fields emptied, as an update whose event names them, no values."""
        now = utcnow()
        values: dict[str, Any] = dict.fromkeys(names)
        values.update(date_modified=now, modified_user_id=origin.user_id)
        self.records.writer.update(conn, model, record_id, values)
        self.records.writer.emit(
            conn,
            origin,
            model=model.name,
            record_id=record_id,
            kind="update",
            changes={name: ERASED_CHANGE for name in names},
            at=now,
        )

    # -- the participants -----------------------------------------------------------------
    def clear_audit(self, conn: Connection, erased: Erased) -> None:
        self.store.clear_audit(conn, erased.model.name, erased.record_id, erased.fields)

    def clear_events(self, conn: Connection, erased: Erased) -> None:
        self.store.clear_events(conn, erased.model.name, erased.record_id, erased.fields)

    def clear_webhooks(self, conn: Connection, erased: Erased) -> None:
        self.store.clear_webhook_events(conn, erased.model.name, erased.traces)

    def clear_idempotent_answers(self, conn: Connection, erased: Erased) -> None:
        self.store.clear_idempotent_answers(conn, erased.traces)

    def clear_files(self, conn: Connection, erased: Erased) -> None:
        """The files of erased file fields go, and their bytes unless another record's
        field holds the same file (a document's revision)."""
        fields = [n for n in erased.fields if holds_file(erased.model.fields[n])]
        if not fields:
            return
        freed = self.store.take_files(conn, erased.model.name, erased.record_id, fields)
        if freed:
            self.db.after_commit(functools.partial(self.remove_blobs, tuple(freed)))

    def remove_blobs(self, hashes: Sequence[str]) -> None:
        """After the commit: the bytes of the blobs the erasure freed, each with its row in
        one transaction, unless an upload took the blob up again in between. Should this
        fail, the files sweep removes them (ErasureStore.take_files marks them)."""
        with self.db.write() as conn:
            for sha256 in self.store.take_freed_blobs(conn, hashes):
                self.files.blobs.delete(sha256)

    def checkpoint(self) -> None:
        """After the commit, off the writer's thread (it waits for readers to finish)."""
        threading.Thread(target=self._checkpoint, name="amity-erasure-checkpoint").start()

    def _checkpoint(self) -> None:
        try:
            self.store.checkpoint()
        except Exception:  # a busy reader: the next automatic checkpoint does it
            log.warning("WAL checkpoint after an erasure failed", exc_info=True)
