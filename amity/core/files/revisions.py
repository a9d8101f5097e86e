"""A document's revisions: each file a Document gets is a DocumentRevision, and the
newest revision is the document's file.

Writing an uploaded file into `Document.revision_filename` adds a revision (numbered 1, 2,
...) holding that file; creating a `DocumentRevision` for a document makes its file the
document's. Either way the document's `revision`, `revision_filename`, `file_mime_type` and
`document_revision_id` show the latest revision, and a download of the document gives it.
Both run inside the record write (a write hook), so the document and its revisions never
disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.fields import to_json
from amity.core.files.service import INCOMING, Files
from amity.core.ids import new_id
from amity.core.records import Changes, Records
from amity.schema.model import Model
from amity.store.conditions import Equals

DOCUMENT, REVISION = "Document", "DocumentRevision"
MAX_REVISIONS_READ = 10_000
# what a document shows of its latest revision: document field <- revision field
LATEST = {
    "revision": "revision",
    "revision_filename": "filename",
    "file_mime_type": "file_mime_type",
}


class DocumentRevisions:
    """The write hook that keeps documents and their revisions together."""

    def __init__(self, records: Records, files: Files) -> None:
        self.records = records
        self.files = files
        records.write_hooks.insert(0, self)  # before Files: it sees the upload's id

    def active(self) -> bool:
        return REVISION in self.records.registry.models

    def before_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        if not self.active():
            return {}
        if model.name == DOCUMENT:
            given = values.get("revision_filename")
            if isinstance(given, str) and given.startswith(INCOMING):
                values["document_revision_id"] = new_id()  # the revision after_write adds
                values["revision"] = str(self.next_number(conn, record_id))
        elif model.name == REVISION and before is None:
            if not values.get("name") and isinstance(values.get("filename"), str):
                values["name"] = self.files.name_of(conn, values["filename"])
            if values.get("revision") in (None, ""):
                values["revision"] = str(self.next_number(conn, values["document_id"]))
            document = self.document_of(conn, values["document_id"])
            if document is not None:  # adding a revision changes the document
                self.records.policy.check(actor, self.records.model(DOCUMENT), "edit", document)
        return {}

    def after_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        if not self.active():
            return {}
        if model.name == DOCUMENT and values.get("document_revision_id") not in (
            None,
            (before or {}).get("document_revision_id"),
        ):
            self.add_revision(conn, actor, record_id, values)
        elif model.name == REVISION and before is None:
            self.make_latest(conn, actor, record_id, values)
        return {}

    def next_number(self, conn: Connection, document_id: str) -> int:
        """One more than the highest numbered revision of the document."""
        model = self.records.model(REVISION)
        rows = self.records.query.select_rows(
            conn,
            model,
            [model.fields["revision"]],
            conditions=[Equals("document_id", (document_id,))],
            limit=MAX_REVISIONS_READ,
            with_deleted=True,
        )
        numbers = [int(r["revision"]) for r in rows if str(r["revision"] or "").isdigit()]
        return max(numbers, default=0) + 1

    def document_of(self, conn: Connection, document_id: str) -> dict[str, Any] | None:
        return self.records.writer.current(conn, self.records.model(DOCUMENT), document_id)

    def add_revision(
        self, conn: Connection, actor: Actor, document_id: str, values: dict[str, Any]
    ) -> None:
        """The revision a document's new file makes, holding that file."""
        upload = self.files.store.attached(conn, DOCUMENT, document_id, "revision_filename")
        if upload is None:
            return
        revision: dict[str, Any] = {
            "name": upload["name"],
            "document_id": document_id,
            "filename": upload["name"],
            "file_mime_type": upload["mimetype"],
            "revision": values["revision"],
        }
        model = self.records.model(REVISION)
        if "file_size" in model.fields:
            revision["file_size"] = upload["size"]
        revision_id = values["document_revision_id"]
        self.records.insert_on(conn, actor, model, revision, revision_id, hooks=False)
        self.files.copy(conn, upload, REVISION, revision_id, "filename")

    def make_latest(
        self, conn: Connection, actor: Actor, revision_id: str, values: dict[str, Any]
    ) -> None:
        """A revision made by a client becomes its document's latest."""
        document_model = self.records.model(DOCUMENT)
        document = self.document_of(conn, values["document_id"])
        if document is None:
            return
        latest = {field: values.get(source) for field, source in LATEST.items()}
        latest["document_revision_id"] = revision_id
        changes = {
            k: [
                to_json(document_model.fields[k], document.get(k)),
                to_json(document_model.fields[k], v),
            ]
            for k, v in latest.items()
            if document.get(k) != v
        }
        now = utcnow()
        self.records.writer.update(
            conn,
            document_model,
            document["id"],
            {**latest, "date_modified": now, "modified_user_id": actor.user_id},
        )
        upload = self.files.store.attached(conn, REVISION, revision_id, "filename")
        if upload is not None:
            self.files.copy(conn, upload, DOCUMENT, document["id"], "revision_filename")
            changes.setdefault(
                "revision_filename", [document.get("revision_filename"), upload["name"]]
            )
        self.records.writer.emit(
            conn,
            actor,
            model=DOCUMENT,
            record_id=document["id"],
            kind="update",
            changes=changes,
            at=now,
        )
