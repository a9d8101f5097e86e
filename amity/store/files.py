"""SQL for files: the rows of stored blobs and of uploaded files (amity/core/files/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from amity.store.engine import Database


class FileStore:
    """File and blob rows, on the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.dialect = db.dialect
        self.files = db.tables.system("files")
        self.blobs = db.tables.system("file_blobs")

    # -- blobs ----------------------------------------------------------------------------
    def keep_blob(self, conn: Connection, sha256: str, size: int, now: datetime) -> None:
        """Note that an upload uses the blob now: the sweep leaves it alone for a while.
        On PostgreSQL this waits for a sweep that holds the row, so that an upload never
        relies on a blob the sweep is removing."""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(self.blobs).values(sha256=sha256, size=size, stored_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["sha256"], set_={"stored_at": now}))

    def take_orphan_blobs(self, conn: Connection, older_than: datetime, limit: int) -> list[str]:
        """Blobs no file refers to, unused since `older_than`: their rows are deleted (and,
        on PostgreSQL, held until the caller commits); the caller removes the bytes."""
        b, f = self.blobs, self.files
        orphan = sa.select(b.c.sha256).where(
            b.c.stored_at < older_than,
            ~sa.exists().where(f.c.sha256 == b.c.sha256),
        )
        if self.dialect == "postgresql":
            orphan = orphan.with_for_update(skip_locked=True)
        found = [row[0] for row in conn.execute(orphan.limit(limit))]
        if found:
            conn.execute(sa.delete(b).where(b.c.sha256.in_(found)))
        return found

    # -- files ----------------------------------------------------------------------------
    def add(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.files).values(row))

    def get(self, conn: Connection, file_id: str) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.files).where(self.files.c.id == file_id)).first()
        return dict(row._mapping) if row else None

    def attached(
        self, conn: Connection, model: str, record_id: str, field: str
    ) -> dict[str, Any] | None:
        """The file in a record's field, if any."""
        f = self.files.c
        row = conn.execute(
            sa.select(self.files).where(
                f.model == model, f.record_id == record_id, f.field == field
            )
        ).first()
        return dict(row._mapping) if row else None

    def attach(
        self,
        conn: Connection,
        file_id: str,
        model: str,
        record_id: str,
        field: str,
        now: datetime,
    ) -> None:
        """Put the incoming file into the record's field (the field's old file goes)."""
        self.detach(conn, model, record_id, field)
        conn.execute(
            sa.update(self.files)
            .where(self.files.c.id == file_id)
            .values(model=model, record_id=record_id, field=field, attached_at=now, expires_at=None)
        )

    def detach(self, conn: Connection, model: str, record_id: str, field: str) -> int:
        """Remove the file of a record's field (its blob stays until the sweep)."""
        f = self.files.c
        result = conn.execute(
            sa.delete(self.files).where(
                f.model == model, f.record_id == record_id, f.field == field
            )
        )
        return int(result.rowcount)

    def delete_expired(self, conn: Connection, now: datetime) -> int:
        """Remove incoming files whose time to be attached is over."""
        f = self.files.c
        result = conn.execute(
            sa.delete(self.files).where(f.expires_at.is_not(None), f.expires_at < now)
        )
        return int(result.rowcount)
