"""SQL for metadata changes: custom field rows, the metadata version, and the DDL that
gives a custom field its column and index without stopping the server.

The metadata version is the `metadata` row of the sequences table; every change bumps it
in the same transaction as the change, and each process compares it with the version its
registry was built from (amity/core/metadata.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from amity.errors import Conflict
from amity.schema.custom import CustomFieldDef
from amity.schema.custom_models import CustomLink, CustomModelDef, CustomPortal
from amity.schema.model import Field, Model
from amity.schema.types import Choice
from amity.store.engine import Database
from amity.store.migrate import index_names, tune_index_statistics
from amity.store.tables import (
    bare_table,
    column_type,
    field_index,
    field_index_name,
    unique_index,
    unique_index_name,
)

VERSION_KEY = "metadata"
LOCK_TIMEOUT = "3s"  # an ALTER waiting longer than this for a busy table gives way and retries
DDL_ATTEMPTS = 5
log = logging.getLogger("amity.store.metadata")


class MetadataStore:
    """Reads and writes custom_fields rows and the metadata version; runs the DDL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def table(self) -> sa.Table:
        return self.db.tables.system("custom_fields")

    def read_version(self, conn: Connection) -> int:
        """The metadata version in the database (one primary-key read; 0 before any change)."""
        seq = self.db.tables.system("sequences")
        value = conn.execute(sa.select(seq.c.value).where(seq.c.name == VERSION_KEY)).scalar()
        return int(value or 0)

    def bump_version(self, conn: Connection) -> int:
        seq = self.db.tables.system("sequences")
        value = conn.execute(
            sa.update(seq)
            .where(seq.c.name == VERSION_KEY)
            .values(value=seq.c.value + 1)
            .returning(seq.c.value)
        ).scalar()
        if value is None:
            conn.execute(sa.insert(seq).values(name=VERSION_KEY, value=1))
            return 1
        return int(value)

    def definitions(self, conn: Connection) -> list[CustomFieldDef]:
        """Every custom field, removed ones included, oldest first."""
        t = self.table
        rows = conn.execute(sa.select(t).order_by(t.c.date_created, t.c.name)).mappings()
        return [_definition(row) for row in rows]

    def insert(self, conn: Connection, d: CustomFieldDef) -> None:
        conn.execute(sa.insert(self.table).values(_row(d)))

    def update(self, conn: Connection, d: CustomFieldDef) -> None:
        values = _row(d)
        del values["id"]
        conn.execute(sa.update(self.table).where(self.table.c.id == d.id).values(values))

    # -- custom models ----------------------------------------------------------------
    @property
    def models_table(self) -> sa.Table:
        return self.db.tables.system("custom_models")

    def model_definitions(self, conn: Connection) -> list[CustomModelDef]:
        """Every custom model, removed ones included, oldest first."""
        t = self.models_table
        rows = conn.execute(sa.select(t).order_by(t.c.date_created, t.c.name)).mappings()
        return [_model_definition(row) for row in rows]

    def insert_model(self, conn: Connection, d: CustomModelDef) -> None:
        conn.execute(sa.insert(self.models_table).values(_model_row(d)))

    def update_model(self, conn: Connection, d: CustomModelDef) -> None:
        values = _model_row(d)
        del values["id"]
        t = self.models_table
        conn.execute(sa.update(t).where(t.c.id == d.id).values(values))

    def create_tables(self, conn: Connection, tables: list[sa.Table]) -> None:
        """CREATE TABLE (with its indexes) for a new model or join, in the caller's
        transaction; a name that is already taken in the database is a 409."""
        existing = set(sa.inspect(conn).get_table_names())
        for table in tables:
            if table.name in existing:
                raise Conflict(
                    "The database already has a table {table}",
                    "choose another model or link name",
                    table=table.name,
                )
            table.create(conn)

    # -- DDL --------------------------------------------------------------------------
    def add_column(self, conn: Connection, model: Model, fd: Field) -> None:
        """ALTER TABLE ... ADD COLUMN (nullable, no default: instant on both databases).
        On PostgreSQL a lock timeout keeps a waiting ALTER from stalling the requests that
        queue behind it; the caller's transaction is retried on such a timeout."""
        preparer = conn.dialect.identifier_preparer
        col_type = column_type(fd).compile(dialect=conn.dialect)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        conn.exec_driver_sql(
            f"ALTER TABLE {preparer.quote(model.table)} ADD COLUMN "
            f"{preparer.quote(fd.name)} {col_type}"
        )

    def drop_column(self, conn: Connection, model: Model, fd: Field) -> None:
        """Undo add_column (for a column nothing refers to yet)."""
        preparer = conn.dialect.identifier_preparer
        conn.exec_driver_sql(
            f"ALTER TABLE {preparer.quote(model.table)} DROP COLUMN {preparer.quote(fd.name)}"
        )

    def has_column(self, conn: Connection, model: Model, name: str) -> bool:
        return name in {c["name"] for c in sa.inspect(conn).get_columns(model.table)}

    def create_index(self, model: Model, fd: Field) -> None:
        """The field's (deleted, key, id) index."""
        self._build_index(field_index(model, bare_table(model.table, fd), fd, self.db.dialect))

    def create_unique_index(self, model: Model, fd: Field) -> None:
        """The index that keeps the field's values unique among live records; an
        IntegrityError when two live records share a value."""
        self._build_index(unique_index(model, bare_table(model.table, fd), fd))

    def duplicate_value(self, model: Model, fd: Field) -> Any:
        """A value that two live records share (None when there is none)."""
        table = self.db.tables.model(model)
        column = table.c[fd.name]
        with self.db.read() as conn:
            return conn.execute(
                sa.select(column)
                .where(table.c.deleted == sa.false(), column.is_not(None))
                .group_by(column)
                .having(sa.func.count() > 1)
                .limit(1)
            ).scalar()

    def _build_index(self, index: sa.Index) -> None:
        """CONCURRENTLY on PostgreSQL, so writes go on while it is built; a plain CREATE
        INDEX on SQLite (one writer at a time anyway)."""
        if self.db.is_sqlite:
            with self.db.write() as conn:
                if index.name not in index_names(conn):
                    index.create(conn)
            return
        index.dialect_options["postgresql"]["concurrently"] = True
        with self.db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            if index.name in index_names(conn):
                return
            try:
                index.create(conn)
            except Exception:  # an interrupted CONCURRENTLY build leaves an invalid index
                conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
                raise
            tune_index_statistics(conn, index)

    def drop_index(self, model: Model, fd: Field, unique: bool = False) -> None:
        name = unique_index_name(model, fd) if unique else field_index_name(model, fd)
        if self.db.is_sqlite:
            with self.db.write() as conn:
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
            return
        with self.db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')

    def retry_ddl(self, unit: Any) -> Any:
        """Run a DDL transaction, again after a lock timeout (a busy table on PostgreSQL)."""
        for attempt in range(DDL_ATTEMPTS):
            try:
                return unit()
            except OperationalError as exc:
                if attempt == DDL_ATTEMPTS - 1 or "lock" not in str(exc).lower():
                    raise
                log.warning("metadata change waited too long for a lock; retrying")
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def _row(d: CustomFieldDef) -> dict[str, Any]:
    return {
        "id": d.id,
        "model": d.model,
        "name": d.name,
        "type": d.type,
        "label": d.label,
        "required": d.required,
        "indexed": d.indexed,
        "is_unique": d.unique,
        "auto_number": d.auto_number,
        "options": orjson.dumps([c.as_json() for c in d.options]).decode(),
        "removed": d.removed,
        "personal": d.personal,
        "created_by": d.created_by,
        "date_created": d.date_created,
        "modified_by": d.modified_by,
        "date_modified": d.date_modified,
    }


def _model_row(d: CustomModelDef) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "table_name": d.table,
        "label": d.label,
        "module": d.module,
        "links": orjson.dumps([lk.as_json() for lk in d.links]).decode(),
        "activities": d.activities,
        "removed": d.removed,
        "created_by": d.created_by,
        "portal": orjson.dumps(d.portal.as_json()).decode() if d.portal else None,
        "date_created": d.date_created,
        "modified_by": d.modified_by,
        "date_modified": d.date_modified,
    }


def _model_definition(row: Any) -> CustomModelDef:
    links = tuple(
        CustomLink(
            name=lk["name"],
            kind=lk["kind"],
            target=lk["target"],
            reverse=lk["reverse"],
            label=lk.get("label", ""),
            reverse_label=lk.get("reverse_label", ""),
            removed=bool(lk.get("removed", False)),
        )
        for lk in orjson.loads(row["links"] or "[]")
    )
    return CustomModelDef(
        id=row["id"],
        name=row["name"],
        table=row["table_name"],
        label=row["label"],
        module=row["module"],
        links=links,
        activities=bool(row["activities"]),
        portal=CustomPortal(**orjson.loads(row["portal"])) if row["portal"] else None,
        removed=bool(row["removed"]),
        created_by=row["created_by"],
        date_created=row["date_created"],
        modified_by=row["modified_by"],
        date_modified=row["date_modified"],
    )


def _definition(row: Any) -> CustomFieldDef:
    options = tuple(
        Choice(int(o["id"]), str(o["label"]), bool(o.get("retired", False)))
        for o in orjson.loads(row["options"] or "[]")
    )
    return CustomFieldDef(
        id=row["id"],
        model=row["model"],
        name=row["name"],
        type=row["type"],
        label=row["label"],
        required=bool(row["required"]),
        indexed=bool(row["indexed"]),
        unique=bool(row["is_unique"]),
        auto_number=bool(row["auto_number"]),
        options=options,
        removed=bool(row["removed"]),
        personal=bool(row["personal"]),  # null (before it existed): not personal
        created_by=row["created_by"],
        date_created=row["date_created"],
        modified_by=row["modified_by"],
        date_modified=row["date_modified"],
    )
