"""The records service: list, read, create, update and delete records of any model.

Every call takes the acting user, asks the access policy, runs in one transaction and
queues its change events in the outbox in that same transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from amity.config import Settings
from amity.core import cursors
from amity.core.access import AccessPolicy
from amity.core.actor import Actor
from amity.core.auth.signing import derived_key, key_path
from amity.core.clock import utcnow
from amity.core.fields import person_name, render, select_fields, to_json
from amity.core.ids import new_id, valid_client_id
from amity.core.useradmin import USER_MODEL, check_user_leaving, removes_admin
from amity.core.validate import clean_data
from amity.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
)
from amity.schema.model import Field, Model
from amity.store.accounts import AccountStore
from amity.store.conditions import Condition, Equals, OrderKey
from amity.store.engine import Database
from amity.store.query import POSITION, QueryBuilder, Scope
from amity.store.tables import VERSION
from amity.store.writes import Writer

MAX_LIMIT = 200
Changes = dict[str, list[Any]]


class WriteHook(Protocol):
    """Work a service does inside every record write (attaching uploaded files, a
    document's revisions), in the write's transaction. `before` is the stored row (None
    when creating); `values` are the column values being written."""

    def before_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        """Runs before the row is written and may change `values`; returns changes the
        event must show even where the value looks unchanged (a file replaced by one of
        the same name)."""
        ...

    def after_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        """Runs once the row is written, before its event; returns more changes for it."""
        ...


@dataclass(frozen=True)
class ListQuery:
    """A list request in neutral terms. A dialect's adapter parses its wire into it:
    typed conditions and order keys built from the model's metadata (amity.core.filters
    has the builders the dialects share); the records service adds the access rules."""

    fields: Sequence[str] | None = None
    conditions: Sequence[Condition] = ()
    order: Sequence[OrderKey] = ()  # none: the model's default order
    offset: int = 0
    limit: int = 20
    favorites: bool = False  # mark each record with whether it is one of the actor's
    count: bool = True  # False: the wire shows no total, so none is counted (0 in the page)
    keyset: bool = False  # answer a next_cursor when more records follow
    cursor: str | None = None  # continue after the page that answered this next_cursor


@dataclass(frozen=True)
class Expected:
    """What a conditional write expects of the stored record: that it exists and, unless
    `versions` is None (any version), that its version is one of `versions`."""

    versions: frozenset[int] | None = None

    def check(self, model: Model, record_id: str, version: int | None) -> None:
        """PreconditionFailed (with the current version) unless the record is as expected."""
        if version is None:
            raise PreconditionFailed(
                "No {model} with id {id} to match",
                "a conditional write needs an existing record: leave the condition out to "
                "create it",
                model=model.name,
                record_id=record_id,
            )
        if self.versions is not None and version not in self.versions:
            raise PreconditionFailed(
                "{model} {id} has changed since it was read",
                "read it again, then send its current ETag in If-Match",
                model=model.name,
                record_id=record_id,
                version=version,
            )


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    total_results: int
    next_cursor: str | None = None  # with ListQuery.keyset: where the next page starts
    keyset: bool = False  # the answer carries next_cursor

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"records": self.records, "total_results": self.total_results}
        if self.keyset:
            out["next_cursor"] = self.next_cursor
        return out


class Records:
    """Reads and writes of records for every model in the registry."""

    def __init__(self, db: Database, settings: Settings, policy: AccessPolicy) -> None:
        self.db = db
        self.registry = db.registry
        self.settings = settings
        self.policy = policy
        self.query = QueryBuilder(db.registry, db.tables)
        self.writer = Writer(db)
        self.accounts = AccountStore(db.tables)
        # more rules a write must keep (model, new values, stored row or None when creating),
        # e.g. picklist dependencies; each raises BadRequest
        self.value_checks: list[Callable[[Model, dict[str, Any], dict[str, Any] | None], None]] = []
        self.write_hooks: list[WriteHook] = []
        self._cursor_key: bytes | None = None

    def model(self, name: str) -> Model:
        return self.registry.model(name)

    # -- reads ------------------------------------------------------------------------
    def list_records(
        self, actor: Actor, model_name: str, q: ListQuery, scope: Scope | None = None
    ) -> Page:
        """A page of records and the total that match."""
        model = self.model(model_name)
        self.policy.check(actor, model, "list")
        fields = select_fields(model, q.fields, all_by_default=False)
        conds = self.conditions(actor, model, q)
        order = list(q.order) or [OrderKey(model.default_order)]
        check_paging(q.offset, q.limit)
        keyset = q.keyset or q.cursor is not None
        cursor_scope = f"{model.name}:" + ",".join(f"{k.field}{'-' * k.desc}" for k in order)
        after = None
        if q.cursor is not None:
            if q.offset:
                raise BadRequest("offset and cursor do not go together", "send one of them")
            after = cursors.decode(self.cursor_key(), cursor_scope, q.cursor)
        with self.db.read() as conn:
            try:
                rows = self.query.select_rows(
                    conn,
                    model,
                    fields,
                    conditions=conds,
                    order=order,
                    offset=q.offset,
                    limit=q.limit + 1 if keyset else q.limit,
                    scope=scope,
                    after=after,
                    positions=keyset,
                )
            except ValueError:  # a cursor of another number of sort keys
                raise cursors.bad_cursor() from None
            next_cursor = None
            if keyset:
                if len(rows) > q.limit:
                    rows = rows[: q.limit]
                    next_cursor = cursors.encode(
                        self.cursor_key(), cursor_scope, rows[-1][POSITION]
                    )
                for row in rows:
                    row.pop(POSITION)
            total = (
                self.query.count_rows(conn, model, conditions=conds, scope=scope) if q.count else 0
            )
            records = self.render_rows(conn, model, fields, rows)
            self.hide_names(conn, actor, fields, records)
            if q.favorites:
                self.mark_favorites(conn, actor, model, records)
        return Page(records, total, next_cursor, keyset)

    def cursor_key(self) -> bytes:
        """The key list cursors are signed with (derived from the server's private key)."""
        if self._cursor_key is None:
            self._cursor_key = derived_key(key_path(self.settings), b"amity list cursors")
        return self._cursor_key

    def select_readable(
        self,
        actor: Actor,
        model_name: str,
        field_names: Sequence[str],
        conditions: Sequence[Condition],
        order: Sequence[OrderKey],
        limit: int,
    ) -> list[dict[str, Any]]:
        """Raw stored values of the named fields of at most `limit` records that match
        `conditions` (typed, built from metadata by the caller) and that the actor may
        read, in `order`; for services that shape their own answers (the calendar)."""
        model = self.model(model_name)
        self.policy.check(actor, model, "list")
        fields = [model.fields[name] for name in ("id", *field_names)]
        conds = [*self.policy.read_conditions(actor, model), *conditions]
        with self.db.read() as conn:
            return self.query.select_rows(
                conn, model, fields, conditions=conds, order=list(order), limit=limit
            )

    def children(
        self, actor: Actor, model_name: str, column: str, parent_id: str
    ) -> list[dict[str, Any]]:
        """Every readable record of `model_name` whose `column` holds `parent_id` (a tally
        document's lines), with all fields, in the model's default order; no paging."""
        model = self.model(model_name)
        self.policy.check(actor, model, "list")
        fields = select_fields(model, None, all_by_default=True)
        read_conditions = self.policy.read_conditions(actor, model)
        if not read_conditions and not model.has_dynamic_refs:
            rows = self.query.select_children(self.db, model, fields, column, parent_id)
            records = [render(model, fields, row) for row in rows]
            self.hide_names(None, actor, fields, records)
            return records
        conds = [*read_conditions, Equals(column, (parent_id,))]
        with self.db.read() as conn:
            rows = self.query.select_rows(
                conn, model, fields, conditions=conds, order=[OrderKey(model.default_order)]
            )
            records = self.render_rows(conn, model, fields, rows)
            self.hide_names(conn, actor, fields, records)
        return records

    def get(
        self, actor: Actor, model_name: str, record_id: str, fields: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """One record with all (or the requested) fields; 404 when missing or hidden."""
        return self.get_versioned(actor, model_name, record_id, fields)[0]

    def get_versioned(
        self, actor: Actor, model_name: str, record_id: str, fields: Sequence[str] | None = None
    ) -> tuple[dict[str, Any], int]:
        """One record, as `get`, and its version (one more with every change of its row)."""
        model = self.model(model_name)
        self.policy.check(actor, model, "view")
        selected = select_fields(model, fields, all_by_default=True)
        if not storable_id(record_id):
            raise NotFound("Not found", "No {model} with id {id!r}", model=model.name, id=record_id)
        conds = self.policy.read_conditions(actor, model)
        if not conds and not (
            model.has_dynamic_refs
            and any(fd.type == "ref" and fd.ref_model is None for fd in selected)
        ):
            row = self.query.select_by_id(self.db, model, selected, record_id)
            if row is None:
                raise NotFound(
                    "Not found", "No {model} with id {id}", model=model.name, id=record_id
                )
            record = render(model, selected, row)
            self.hide_names(None, actor, selected, [record])
            return record, int(row[VERSION])
        with self.db.read() as conn:
            rows = self.query.select_rows(
                conn, model, selected, ids=[record_id], conditions=conds, version=True
            )
            if not rows:
                raise NotFound(
                    "Not found", "No {model} with id {id}", model=model.name, id=record_id
                )
            records = self.render_rows(conn, model, selected, rows)
            self.hide_names(conn, actor, selected, records)
            return records[0], int(rows[0][VERSION])

    def conditions(self, actor: Actor, model: Model, q: ListQuery) -> list[Condition]:
        """The query's conditions behind the actor's read rules."""
        return [*self.policy.read_conditions(actor, model), *q.conditions]

    def render_rows(
        self, conn: Connection, model: Model, fields: Sequence[Field], rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        parent_names = self.parent_names(conn, model, fields, rows)
        return [render(model, fields, row, parent_names) for row in rows]

    def parent_names(
        self, conn: Connection, model: Model, fields: Sequence[Field], rows: list[dict[str, Any]]
    ) -> dict[tuple[str, str], str | None]:
        """Names of polymorphic parents (parent_type/parent_id), one query per type."""
        if not any(fd.type == "ref" and fd.ref_model is None for fd in fields):
            return {}
        by_type: dict[str, list[str]] = {}
        for row in rows:
            ptype, pid = row.get("parent_type"), row.get("parent_id")
            if ptype in self.registry.models and pid:
                by_type.setdefault(ptype, []).append(pid)
        out: dict[tuple[str, str], str | None] = {}
        for ptype, ids in by_type.items():
            target = self.registry.models[ptype]
            for pid, parts in self.query.names_of(conn, target, ids).items():
                out[(ptype, pid)] = person_name(parts) if target.person else parts.get("name")
        return out

    def mark_favorites(
        self, conn: Connection, actor: Actor, model: Model, records: list[dict[str, Any]]
    ) -> None:
        """1CRM's favorite flag: 0 when the record is in the user's favorites, else 1."""
        ids = [r["id"] for r in records]
        favs = (
            set()
            if actor.is_contact  # a contact has no favorites of its own
            else self.accounts.favorite_ids(conn, actor.user_id, model.name, ids)
        )
        for record in records:
            record["favorite"] = 0 if record["id"] in favs else 1

    # -- writes -----------------------------------------------------------------------
    def write_keys(self, model_name: str, record_id: str | None, data: Any = None) -> list[str]:
        """What a write of this record (a create when `record_id` is None) touches, as keys
        for the group committer: the record and its new unique values. Concurrent writers
        of one key then queue, so the later one finds the value taken (a clean 409)."""
        model = self.registry.models.get(model_name)
        if model is None:
            return []  # the write itself will say what is wrong
        keys = [] if record_id is None else [f"{model.name}:{record_id}"]
        if isinstance(data, dict):
            for fd in model.unique_fields:
                value = data.get(fd.name)
                if value is not None and value != "":
                    keys.append(f"{model.name}.{fd.name}={str(value).casefold()}")
        return keys

    def create(
        self,
        actor: Actor,
        model_name: str,
        data: Any,
        record_id: str | None = None,
        *,
        then: Callable[[Connection, str], dict[str, Any]] | None = None,
    ) -> str:
        """Create a record; returns its id. `then(conn, id)` writes more in the same unit
        (a user's password) and returns more changes for the one event (SECRET_CHANGE)."""
        model = self.model(model_name)
        self.policy.check(actor, model, "create")
        values = clean_data(model, data, creating=True)
        with self.db.write() as conn:
            return self._insert(conn, actor, model, values, record_id, then)

    def create_many(self, actor: Actor, model_name: str, rows: Sequence[Any]) -> list[str]:
        """Create several records in one transaction (all or none); returns their ids."""
        model = self.model(model_name)
        self.policy.check(actor, model, "create")
        cleaned = [clean_data(model, data, creating=True) for data in rows]
        with self.db.write() as conn:
            return [self._insert(conn, actor, model, values, None) for values in cleaned]

    def insert_on(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        values: dict[str, Any],
        record_id: str,
        *,
        hooks: bool = True,
    ) -> str:
        """Create a record inside a write already running on `conn` (a write hook's
        record); `hooks=False` skips the write hooks (the caller does their work)."""
        return self._insert(conn, actor, model, values, record_id, hooks=hooks)

    def _insert(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        values: dict[str, Any],
        record_id: str | None,
        then: Callable[[Connection, str], dict[str, Any]] | None = None,
        *,
        hooks: bool = True,
    ) -> str:
        given = dict(values)  # the refs to check: the client's, not the defaults below
        for check in self.value_checks:
            check(model, values, None)
        record_id = record_id or new_id()
        self.check_unique(conn, model, values, record_id)
        now = utcnow()
        values.update(
            id=record_id,
            deleted=False,
            date_entered=now,
            date_modified=now,
            created_by=actor.user_id,
            modified_user_id=actor.user_id,
        )
        if values.get("assigned_user_id") is None:
            values["assigned_user_id"] = actor.user_id
        for key, value in self.policy.create_defaults(actor, model).items():
            if values.get(key) is None:
                values[key] = value
        self.policy.check(actor, model, "create", values)
        self.check_references(conn, actor, model, given)  # after the rights: 403 first
        for fd in model.auto_number_fields:
            if values.get(fd.name) is None:
                values[fd.name] = self.writer.next_value(conn, f"{model.name}.{fd.name}")
        write_hooks = self.write_hooks if hooks else []
        for hook in write_hooks:
            hook.before_write(conn, actor, model, record_id, values, None)
        self.writer.insert(conn, model, values)
        changes: Changes = {
            k: [None, to_json(model.fields[k], v)]
            for k, v in values.items()
            if v is not None and not model.fields[k].system
        }
        for hook in write_hooks:
            changes.update(hook.after_write(conn, actor, model, record_id, values, None))
        if then is not None:
            changes.update(then(conn, record_id))
        self.writer.emit(
            conn,
            actor,
            model=model.name,
            record_id=record_id,
            kind="create",
            changes=changes,
            at=now,
        )
        return record_id

    def update(
        self,
        actor: Actor,
        model_name: str,
        record_id: str,
        data: Any,
        create: bool = False,
        expected: Expected | None = None,
    ) -> int:
        """Change the given fields; with create=True an unknown id is created (upsert).
        With `expected`, only a record in that state is changed (checked on the locked row,
        else PreconditionFailed). Returns the record's new version."""
        model = self.model(model_name)
        values = clean_data(model, data, creating=False)
        with self.db.write() as conn:
            self.lock_admins(conn, model, values)
            before = self.visible_row(conn, actor, model, record_id, lock=True)
            if before is None:
                if not create:
                    raise NotFound(
                        "Not found", "No {model} with id {id}", model=model.name, id=record_id
                    )
                self.policy.check(actor, model, "create")
                if expected is not None:
                    expected.check(model, record_id, None)
                if not valid_client_id(record_id):
                    raise BadRequest(
                        "Invalid id {id!r} for a new record",
                        "ids are 1-36 letters, digits, '-', '_', '.' or '~'",
                        id=record_id,
                    )
                if self.writer.exists_any(conn, model, record_id):  # deleted, or not yours
                    raise Conflict(
                        "Id {id} is taken by another {model}",
                        "choose another id",
                        id=record_id,
                        model=model.name,
                    )
                self._insert(conn, actor, model, clean_data(model, data, creating=True), record_id)
                return 1
            self.policy.check(actor, model, "edit", before, values)
            if expected is not None:
                expected.check(model, record_id, before[VERSION])
            if model.name == USER_MODEL:
                check_user_leaving(self.accounts, conn, before, values)
            self.check_references(conn, actor, model, values, before)
            for check in self.value_checks:
                check(model, values, before)
            self.check_unique(conn, model, values, record_id)
            forced: Changes = {}
            for hook in self.write_hooks:
                forced.update(hook.before_write(conn, actor, model, record_id, values, before))
            changes: Changes = {
                k: [to_json(model.fields[k], before.get(k)), to_json(model.fields[k], v)]
                for k, v in values.items()
                if before.get(k) != v
            }
            changes.update(forced)
            now = utcnow()
            values.update(date_modified=now, modified_user_id=actor.user_id)
            self.writer.update(conn, model, record_id, values)
            for hook in self.write_hooks:
                changes.update(hook.after_write(conn, actor, model, record_id, values, before))
            self.writer.emit(
                conn,
                actor,
                model=model.name,
                record_id=record_id,
                kind="update",
                changes=changes,
                at=now,
            )
            return int(before[VERSION]) + 1

    def delete(
        self, actor: Actor, model_name: str, record_id: str, expected: Expected | None = None
    ) -> None:
        """Soft delete: the record disappears from every read. With `expected`, only a
        record in that state is deleted (else PreconditionFailed)."""
        model = self.model(model_name)
        with self.db.write() as conn:
            self.lock_admins(conn, model, None)
            before = self.visible_row(conn, actor, model, record_id, lock=True)
            if before is None:
                raise NotFound(
                    "Not found", "No {model} with id {id}", model=model.name, id=record_id
                )
            self.policy.check(actor, model, "delete", before)
            if expected is not None:
                expected.check(model, record_id, before[VERSION])
            if model.name == USER_MODEL:
                check_user_leaving(self.accounts, conn, before, None)
            now = utcnow()
            self.writer.soft_delete(
                conn, model, record_id, {"date_modified": now, "modified_user_id": actor.user_id}
            )
            self.writer.emit(
                conn,
                actor,
                model=model.name,
                record_id=record_id,
                kind="delete",
                changes={"deleted": [False, True]},
                at=now,
            )

    def readable_ids(
        self, conn: Connection, actor: Actor, model: Model, ids: Sequence[str]
    ) -> set[str]:
        """Those of `ids` that name live records the actor may read (users: any user)."""
        wanted = [i for i in dict.fromkeys(ids) if storable_id(i)]
        if not wanted:
            return set()
        try:
            conds = [] if model.name == USER_MODEL else self.policy.read_conditions(actor, model)
        except Forbidden:
            return set()
        if not conds:
            return self.writer.live_ids(conn, model, wanted)
        rows = self.query.select_rows(
            conn, model, [model.fields["id"]], ids=wanted, conditions=conds
        )
        return {row["id"] for row in rows}

    def hide_names(
        self,
        conn: Connection | None,
        actor: Actor,
        fields: Sequence[Field],
        records: list[dict[str, Any]],
    ) -> None:
        """Blank the names of referenced records the actor may not read; their ids stay.
        Users' names are shown to everyone."""
        refs = [
            fd for fd in fields if fd.type == "ref" and fd.id_name and fd.ref_model != USER_MODEL
        ]
        limited: dict[str, bool] = {}  # target model -> the actor reads only some of it

        def target_of(record: dict[str, Any], fd: Field) -> str | None:
            target = fd.ref_model or record.get("parent_type")
            if target not in self.registry.models or target == USER_MODEL:
                return None
            if target not in limited:
                limited[target] = self.restricted(actor, target)
            return target if limited[target] else None

        wanted: dict[str, set[str]] = {}
        for record in records:
            for fd in refs:
                ref_id = record.get(fd.id_name or "")
                target = target_of(record, fd) if ref_id and record.get(fd.name) else None
                if target:
                    wanted.setdefault(target, set()).add(str(ref_id))
        if not wanted:
            return
        with contextlib.nullcontext(conn) if conn is not None else self.db.read() as reading:
            readable = {
                t: self.readable_ids(reading, actor, self.registry.models[t], sorted(ids))
                for t, ids in wanted.items()
            }
        for record in records:
            for fd in refs:
                target = fd.ref_model or record.get("parent_type")
                if target in readable and record.get(fd.id_name or "") not in readable[target]:
                    record[fd.name] = None

    def restricted(self, actor: Actor, model_name: str) -> bool:
        """Whether the actor may read only some (or none) of a model's records."""
        try:
            return bool(self.policy.read_conditions(actor, self.registry.models[model_name]))
        except Forbidden:
            return True

    def lock_admins(self, conn: Connection, model: Model, values: dict[str, Any] | None) -> None:
        """Before a user's row: lock the active admins' rows when the write may take one
        away (values None: a delete), always in this order, so two such writes queue."""
        if model.name == USER_MODEL and removes_admin(values):
            self.accounts.active_admin_ids(conn)

    def visible_row(
        self, conn: Connection, actor: Actor, model: Model, record_id: str, *, lock: bool = False
    ) -> dict[str, Any] | None:
        """The stored row if it is live and the actor may see it."""
        if not storable_id(record_id):
            return None
        row = self.writer.current(conn, model, record_id, lock=lock)
        if row is None:
            return None
        conds = self.policy.read_conditions(actor, model)
        if conds and not self.query.select_rows(
            conn, model, [model.fields["id"]], ids=[record_id], conditions=conds
        ):
            return None
        return row

    def check_unique(
        self, conn: Connection, model: Model, values: dict[str, Any], record_id: str
    ) -> None:
        """Fields that must be unique among live records (a user name logs a user in)."""
        for fd in model.unique_fields:
            name = fd.name
            if values.get(name) is None:
                continue
            same = self.query.select_rows(
                conn,
                model,
                [model.fields["id"]],
                conditions=[Equals(name, (values[name],))],
                limit=2,
            )
            if any(row["id"] != record_id for row in same):
                raise Conflict(
                    "A {model} with {name} {value!r} already exists",
                    "choose another {name}",
                    model=model.name,
                    name=name,
                    value=values[name],
                )

    def check_references(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        values: dict[str, Any],
        before: dict[str, Any] | None = None,
    ) -> None:
        """Ids written into ref fields must name live records of the ref's model that the
        actor may read (a hidden one is refused exactly like a missing one, unless the
        record already holds it); refs to users (assignments) follow the owned rules."""
        old = before or {}
        for fd in model.fields.values():
            if fd.type != "ref" or not fd.id_name:
                continue
            ref_id = values.get(fd.id_name)
            if fd.ref_model is None and fd.id_name not in values and "parent_type" in values:
                ref_id = old.get(fd.id_name)  # only the type changed: the kept id must fit it
            if ref_id is None:
                continue
            target_name = fd.ref_model
            if target_name is None:
                target_name = (
                    values["parent_type"] if "parent_type" in values else old.get("parent_type")
                )
                if not target_name:
                    raise BadRequest(
                        "Field {id_name} needs parent_type",
                        "set parent_type to the parent record's model",
                        id_name=fd.id_name,
                    )
            target = self.registry.model(target_name)
            kept = old.get(fd.id_name) == ref_id and (
                fd.ref_model is not None or old.get("parent_type") == target_name
            )
            found = (
                self.writer.live_ids(conn, target, [ref_id])
                if kept  # written back as read
                else self.readable_ids(conn, actor, target, [ref_id])
            )
            if not found:
                raise BadRequest(
                    "Invalid value for field {id_name}: no {target} with id {ref_id}",
                    "{id_name} must be the id of an existing {target}",
                    id_name=fd.id_name,
                    target=target.name,
                    ref_id=ref_id,
                )


def storable_id(record_id: str) -> bool:
    """Whether an id from a client could name a stored record (PostgreSQL refuses NULs)."""
    return "\x00" not in record_id


def check_paging(offset: int, limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(
            "limit must be between 1 and {max_limit}, got {limit}",
            "page through larger lists with offset",
            max_limit=MAX_LIMIT,
            limit=limit,
        )
    if offset < 0:
        raise BadRequest("offset must be 0 or more, got {offset}", offset=offset)
