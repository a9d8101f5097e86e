"""Files: uploads kept for a while under a temporary id, attached to records by writing
that id into a file field, and read back by the record they belong to.

An upload streams into a spool file (storage.Spool), is stored in the blob store by its
SHA-256 and gets a row in `files` with an expiry: `INCOMING~<id>` is its temporary id. A
record write that puts the id into a field of type file_ref or image (Files is a write
hook of the records service) attaches it in the write's transaction; the field then holds
the file's name, so the audit shows the name before and after. Reading a file asks the
records service for the record first: whoever may not read the record gets a 404.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.auth.signing import derived_key, key_path
from amity.core.clock import utcnow
from amity.core.files.kinds import sniffed_type, stored_type
from amity.core.files.storage import BlobStore, Spool, blob_store
from amity.core.ids import new_id
from amity.core.records import Changes, Records
from amity.errors import BadRequest, Forbidden, NotFound
from amity.schema.model import Field, Model
from amity.schema.types import FileRefType, ImageType
from amity.store.files import FileStore

INCOMING = "INCOMING~"
BLOB_GRACE = timedelta(hours=1)  # an unreferenced blob is kept this long after its last use
SWEEP_BATCH = 500
log = logging.getLogger("amity.files")


def holds_file(fd: Field) -> bool:
    """Fields whose value is an attached file: file_ref and image, built-in or custom."""
    return isinstance(fd.kind, FileRefType | ImageType)


def uploader_of(actor: Actor) -> str:
    """Who an upload belongs to: a user, or a portal contact (never the user it acts for)."""
    return f"contact:{actor.contact_id}" if actor.is_contact else actor.user_id


@dataclass(frozen=True)
class StoredFile:
    """A file as downloads and /files/info show it."""

    id: str
    name: str
    mimetype: str
    sniffed_type: str | None
    size: int
    sha256: str
    modified: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> StoredFile:
        return cls(
            id=row["id"],
            name=row["name"],
            mimetype=row["mimetype"],
            sniffed_type=row["sniffed_type"],
            size=int(row["size"]),
            sha256=row["sha256"],
            modified=row["attached_at"] or row["uploaded_at"],
        )


class Files:
    """Uploads, attachments and downloads of files."""

    def __init__(self, records: Records, settings: Settings) -> None:
        self.records = records
        self.db = records.db
        self.settings = settings
        self.store = FileStore(self.db)
        self.blobs: BlobStore = blob_store(settings)
        self._url_key_path = key_path(settings)
        self._url_key: bytes | None = None
        records.write_hooks.append(self)

    # -- uploads --------------------------------------------------------------------------
    def new_spool(self) -> Spool:
        """A spool file for one upload (blocking: call it off the event loop)."""
        return Spool(self.blobs.spool_dir)

    def keep_upload(self, actor: Actor, spool: Spool, name: str, declared: str | None) -> str:
        """Store a finished upload; its temporary id. Blocking."""
        sha256 = spool.finish()
        now = utcnow()
        with self.db.write() as conn:  # first: a sweep now leaves this blob alone
            self.store.keep_blob(conn, sha256, spool.size, now)
        try:
            if self.blobs.has(sha256):
                spool.discard()  # stored once, however often it is uploaded
            else:
                self.blobs.put(sha256, spool.path)
        except BaseException:
            spool.discard()
            raise
        sniffed = sniffed_type(spool.head)
        file_id = new_id()
        with self.db.write() as conn:
            self.store.add(
                conn,
                {
                    "id": file_id,
                    "sha256": sha256,
                    "size": spool.size,
                    "name": name,
                    "mimetype": stored_type(declared, sniffed),
                    "declared_type": declared,
                    "sniffed_type": sniffed,
                    "uploaded_by": uploader_of(actor),
                    "uploaded_at": now,
                    "expires_at": now + timedelta(seconds=self.settings.upload_ttl_seconds),
                },
            )
        return INCOMING + file_id

    def keep_bytes(self, actor: Actor, data: bytes, name: str, declared: str | None) -> str:
        """Store a small upload given whole (the base64 form); its temporary id. Blocking."""
        spool = self.new_spool()
        try:
            spool.write(data)
        except BaseException:
            spool.discard()
            raise
        return self.keep_upload(actor, spool, name, declared)

    # -- attaching (a write hook of the records service) ---------------------------------
    def before_write(
        self,
        conn: Any,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        """Attach the uploads whose temporary ids are written into file fields; an empty
        value removes the field's file. The field keeps the file's name."""
        forced: Changes = {}
        now = utcnow()
        for name in [n for n in values if holds_file(model.fields[n])]:
            fd = model.fields[name]
            value, old = values[name], (before or {}).get(name)
            if value is None or value == "":
                values[name] = None
                if before is not None:
                    self.store.detach(conn, model.name, record_id, name)
                continue
            if value == old:
                continue  # the name it has: a record read and written back unchanged
            upload = self.incoming(conn, actor, fd, value, now)
            self.store.attach(conn, upload["id"], model.name, record_id, name, now)
            values[name] = upload["name"]
            if upload["name"] == old:
                forced[name] = [old, upload["name"]]  # replaced by a file of the same name
            self.fill_details(model, fd, values, upload)
        return forced

    def after_write(
        self,
        conn: Any,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        return {}

    def incoming(
        self, conn: Any, actor: Actor, fd: Field, value: Any, now: datetime
    ) -> dict[str, Any]:
        """The live upload a file field's new value names; 400 naming the field otherwise."""
        row = None
        if isinstance(value, str) and value.startswith(INCOMING):
            row = self.store.get(conn, value.removeprefix(INCOMING))
        if (
            row is None
            or row["record_id"] is not None
            or row["expires_at"] is None
            or row["expires_at"] <= now
            or row["uploaded_by"] != uploader_of(actor)
        ):
            raise BadRequest(
                "Invalid value for field {field}: {value!r} is no file you uploaded",
                "upload the file first and write the id its upload answers (INCOMING~...) "
                "within {hours} hours",
                field=fd.name,
                value=str(value)[:100],
                hours=self.settings.upload_ttl_seconds // 3600,
            )
        if isinstance(fd.kind, ImageType) and not row["mimetype"].startswith("image/"):
            raise BadRequest(
                "Invalid value for field {field}: the file is no image",
                "upload a PNG, JPEG, GIF or WebP image",
                field=fd.name,
            )
        return row

    def name_of(self, conn: Any, value: str) -> str | None:
        """The name of the upload a temporary id names (None for any other value)."""
        if not value.startswith(INCOMING):
            return None
        row = self.store.get(conn, value.removeprefix(INCOMING))
        return None if row is None else str(row["name"])

    def copy(
        self, conn: Any, upload: dict[str, Any], model: str, record_id: str, field: str
    ) -> None:
        """Attach the same file to another record's field too (a document and its
        revision): a second row, the blob stored once."""
        self.store.detach(conn, model, record_id, field)
        now = utcnow()
        self.store.add(
            conn,
            {
                **upload,
                "id": new_id(),
                "model": model,
                "record_id": record_id,
                "field": field,
                "attached_at": now,
                "expires_at": None,
            },
        )

    @staticmethod
    def fill_details(
        model: Model, fd: Field, values: dict[str, Any], upload: dict[str, Any]
    ) -> None:
        """A model's fields describing its one file (file_mime_type, file_size) follow it,
        unless the write gives them."""
        if not isinstance(fd.kind, FileRefType):
            return
        for detail, key in (("file_mime_type", "mimetype"), ("file_size", "size")):
            if detail in model.fields and detail not in values:
                values[detail] = upload[key]

    # -- reading ----------------------------------------------------------------------------
    def file_field(self, model: Model, field: str | None) -> Field:
        """The file field a download means: the one named, else the model's only one."""
        if field:
            fd = model.fields.get(field)
            if fd is None or not holds_file(fd):
                raise BadRequest(
                    "{model} has no file field {field}",
                    "list the fields of {model} to see those of type file_ref and image",
                    model=model.name,
                    field=field,
                )
            return fd
        candidates = [fd for fd in model.fields.values() if holds_file(fd)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise NotFound("No file", "{model} records hold no files", model=model.name)
        raise BadRequest(
            "{model} has several file fields: name one",
            "add field={names}",
            model=model.name,
            names="|".join(fd.name for fd in candidates),
        )

    def find(
        self, actor: Actor, model_name: str, record_id: str, field: str | None = None
    ) -> StoredFile:
        """The file in a record's field, if the actor may read the record; 404 otherwise,
        as for a record that does not exist."""
        model = self.records.model(model_name)
        fd = self.file_field(model, field)
        self.records.get(actor, model.name, record_id, [fd.name])  # 404 unless readable
        with self.db.read() as conn:
            row = self.store.attached(conn, model.name, record_id, fd.name)
        if row is None:
            raise NotFound(
                "No file",
                "{model} {id} has no file in {field}",
                model=model.name,
                id=record_id,
                field=fd.name,
            )
        return StoredFile.of(row)

    def by_id(self, file_id: str) -> StoredFile | None:
        """An attached file by its own id (for temp_url downloads)."""
        with self.db.read() as conn:
            row = self.store.get(conn, file_id)
        return StoredFile.of(row) if row is not None and row["record_id"] is not None else None

    # -- temp_url -----------------------------------------------------------------------
    def _key(self) -> bytes:
        if self._url_key is None:
            self._url_key = derived_key(self._url_key_path, b"amity file urls")
        return self._url_key

    def url_signature(self, file: StoredFile, expires: int) -> str:
        message = f"{file.id}.{file.sha256}.{expires}".encode()
        return hmac.new(self._key(), message, hashlib.sha256).hexdigest()

    def signed_query(self, file: StoredFile) -> tuple[int, str]:
        """(expires, signature) of a URL that downloads `file` until it expires."""
        expires = int(time.time()) + self.settings.file_url_seconds
        return expires, self.url_signature(file, expires)

    def by_signed_url(self, file_id: str, expires: str, signature: str) -> StoredFile:
        """The file a signed URL names, while it has not expired; 403 for an expired or
        altered URL, 404 when the file is no longer attached."""
        if not expires.isdigit() or int(expires) < time.time():
            raise Forbidden("This file link has expired", "ask for a new file link")
        file = self.by_id(file_id)
        if file is None:
            raise NotFound("No file", "the file of this link is gone")
        if not hmac.compare_digest(self.url_signature(file, int(expires)), signature):
            raise Forbidden("This file link is not valid", "ask for a new file link")
        return file

    # -- the sweep ------------------------------------------------------------------------
    def purge_spool(self, now: datetime) -> int:
        """Remove spool files an upload left when its process died (this machine's)."""
        cutoff = now.replace(tzinfo=UTC).timestamp() - self.settings.upload_ttl_seconds
        removed = 0
        for path in self.blobs.spool_dir.glob("upload-*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def purge(self, now: datetime) -> int:
        """Remove uploads never attached in time, then blobs no file refers to (held while
        their bytes go, so an upload never counts on a blob being removed)."""
        with self.db.write() as conn:
            removed = self.store.delete_expired(conn, now)
        removed += self.purge_spool(now)
        while True:
            with self.db.write() as conn:
                gone = self.store.take_orphan_blobs(conn, now - BLOB_GRACE, SWEEP_BATCH)
                for sha256 in gone:
                    self.blobs.delete(sha256)
            removed += len(gone)
            if len(gone) < SWEEP_BATCH:
                return removed
