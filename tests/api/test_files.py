"""/files: uploads streamed to the blob store, attached to records through file fields,
and downloaded with safe headers, by the record's read right or a signed URL."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import os
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.clock import utcnow
from amity.core.files.service import BLOB_GRACE
from amity.core.services import Services
from tests.conftest import ApiClient, User, settings_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


LIMIT = 60 * 1024 * 1024
_prefixes = itertools.count()
# what the store does (bytes in and out, ranges, sweeps) runs on both; what the request
# path does alone (names, types, rules) on the directory only
BOTH_STORES = pytest.mark.parametrize("settings", ["local", "s3"], indirect=True)


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str, jwt_key_file: str) -> Settings:
    """The files directory; for tests marked BOTH_STORES, once more an S3 bucket (moto's
    server)."""
    base = dataclasses.replace(settings_for(database_url, jwt_key_file), max_upload_bytes=LIMIT)
    if getattr(request, "param", "local") == "local":
        return base
    s3 = request.getfixturevalue("s3_server")
    prefix = f"t{os.getpid()}-{next(_prefixes)}"
    return dataclasses.replace(base, files_url=s3.files_url(prefix))


def upload(api: ApiClient, data: Any, name: str = "file.txt", mime: str = "text/plain") -> str:
    response = api.post(
        "/files/upload", content=data, headers={"Content-Type": mime, "X-OneCrm-Filename": name}
    )
    assert response.status_code == 200, response.text
    file_id = response.json()["id"]
    assert file_id.startswith("INCOMING~")
    return str(file_id)


def note_with(api: ApiClient, file_id: str, **extra: Any) -> str:
    response = api.post("/data/Note", json={"data": {"name": "Spec", "filename": file_id, **extra}})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def file_rows(services: Services) -> list[dict[str, Any]]:
    table = services.db.tables.system("files")
    with services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


def spooled(services: Services) -> list[str]:
    return os.listdir(services.files.blobs.spool_dir)


def audit_of(api: ApiClient, path: str) -> dict[str, dict[str, Any]]:
    rows = api.get(f"/audit/{path}").json()["records"]
    return {row["field_name"]: row for row in rows}


@BOTH_STORES
def test_upload_attach_download_round_trip(api: ApiClient) -> None:
    data = b"hello, files\n" * 3
    note = note_with(api, upload(api, data, "spec.txt"))
    record = api.get(f"/data/Note/{note}").json()["record"]
    assert record["filename"] == "spec.txt"
    assert record["file_mime_type"] == "text/plain"
    got = api.get(f"/files/download/Note/{note}")
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["x-onecrm-filename"] == "spec.txt"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    info = api.get(f"/files/info/Note/{note}").json()
    assert info["name"] == "spec.txt"
    assert info["size"] == len(data)
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert info["mimetype"] == info["mime_type"] == "text/plain"
    assert abs(info["modified"] - utcnow().timestamp()) < 3600 * 24  # epoch seconds


@BOTH_STORES
@pytest.mark.parametrize("size", [0, 1, 1024 * 1024, 50 * 1024 * 1024])
def test_raw_round_trips_keep_every_byte(api: ApiClient, size: int) -> None:
    data = os.urandom(size)
    note = note_with(api, upload(api, data, "blob.bin", "application/octet-stream"))
    got = api.get(f"/files/download/Note/{note}")
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert api.get(f"/files/info/Note/{note}").json()["size"] == size


@BOTH_STORES
@pytest.mark.parametrize("size", [0, 1, 700_000])
def test_base64_round_trips(api: ApiClient, size: int) -> None:
    data = os.urandom(size)
    response = api.post(
        "/files/upload/base64",
        json={
            "filename": "b.bin",
            "mimetype": "application/x-thing",
            "data": base64.b64encode(data).decode(),
        },
    )
    assert response.status_code == 200, response.text
    note = note_with(api, response.json()["id"])
    assert api.get(f"/files/download/Note/{note}").content == data


def test_base64_body_over_one_mib_is_413(api: ApiClient) -> None:
    data = base64.b64encode(os.urandom(900_000)).decode()  # 1.2 MB of base64
    response = api.post("/files/upload/base64", json={"filename": "a", "data": data})
    assert response.status_code == 413
    assert set(response.json()) == {"error", "message", "hint"}


@pytest.mark.parametrize(
    "body",
    [
        {"filename": "a.txt"},
        {"filename": "a.txt", "data": "not base64!"},
        {"filename": "", "data": ""},
        {"filename": 5, "data": ""},
    ],
)
def test_base64_bad_bodies_are_400(api: ApiClient, body: dict[str, Any]) -> None:
    response = api.post("/files/upload/base64", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"error", "message", "hint"}


@BOTH_STORES
def test_over_the_limit_is_413_mid_stream_and_leaves_nothing(
    api: ApiClient, services: Services
) -> None:
    sent = [0]
    chunk = b"x" * 65536

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: the server counts as it reads
        for _ in range(1300):  # 81 MiB, over the 60 MiB limit
            sent[0] += len(chunk)
            yield chunk

    response = api.post("/files/upload", content=body(), headers={"X-OneCRM-Filename": "big"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert sent[0] < LIMIT + 2 * 1024 * 1024  # it stopped reading soon after the limit
    assert spooled(services) == []
    assert file_rows(services) == []


def test_a_declared_length_over_the_limit_is_413_before_reading(api: ApiClient) -> None:
    response = api.post(
        "/files/upload",
        content=b"small",
        headers={"X-OneCRM-Filename": "a", "Content-Length": str(LIMIT + 1)},
    )
    assert response.status_code == 413


def test_a_missing_or_empty_name_is_400(api: ApiClient) -> None:
    assert api.post("/files/upload", content=b"x").status_code == 400
    for name in ("", "   ", "../", "dir/.."):
        response = api.post("/files/upload", content=b"x", headers={"X-OneCRM-Filename": name})
        assert response.status_code == 400, name
        assert set(response.json()) == {"error", "message", "hint"}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("a\x00b.txt", "ab.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("Ärger über €.txt", "Ärger über €.txt"),
    ],
)
def test_names_lose_paths_and_tricks(api: ApiClient, sent: str, stored: str) -> None:
    from urllib.parse import quote

    header = quote(sent, safe="")
    note = note_with(api, upload(api, b"x", header))
    assert api.get(f"/data/Note/{note}").json()["record"]["filename"] == stored
    got = api.get(f"/files/download/Note/{note}")
    assert "filename*=UTF-8''" + quote(stored, safe="") in got.headers["content-disposition"]


def test_a_long_name_is_cut_and_keeps_its_extension(api: ApiClient) -> None:
    note = note_with(api, upload(api, b"x", "n" * 1000 + ".pdf"))
    name = api.get(f"/data/Note/{note}").json()["record"]["filename"]
    assert len(name) == 255 and name.endswith(".pdf")


def test_html_is_served_as_an_attachment_with_nosniff(api: ApiClient) -> None:
    for declared in ("text/html", "image/png"):  # lying about the type does not help
        note = note_with(api, upload(api, HTML, "page.html", declared))
        got = api.get(f"/files/download/Note/{note}")
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-type"].startswith("text/html")
        assert "sandbox" in got.headers["content-security-policy"]


def test_images_and_pdf_that_are_what_they_say_show_inline(api: ApiClient) -> None:
    note = note_with(api, upload(api, PNG, "dot.png", "image/png"))
    got = api.get(f"/files/download/Note/{note}")
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("inline;")
    note = note_with(api, upload(api, b"%PDF-1.4\n%...", "a.pdf", "application/pdf"))
    assert (
        api.get(f"/files/download/Note/{note}").headers["content-disposition"].startswith("inline;")
    )
    # an SVG can carry script: never inline
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    note = note_with(api, upload(api, svg, "x.svg", "image/svg+xml"))
    assert (
        api.get(f"/files/download/Note/{note}")
        .headers["content-disposition"]
        .startswith("attachment;")
    )


@BOTH_STORES
def test_ranges_and_conditional_requests(api: ApiClient) -> None:
    data = bytes(range(100))
    note = note_with(api, upload(api, data))
    url = f"/files/download/Note/{note}"
    got = api.get(url, headers={"Range": "bytes=10-19"})
    assert got.status_code == 206
    assert got.content == data[10:20]
    assert got.headers["content-range"] == "bytes 10-19/100"
    assert api.get(url, headers={"Range": "bytes=90-"}).content == data[90:]
    assert api.get(url, headers={"Range": "bytes=-5"}).content == data[95:]
    assert api.get(url, headers={"Range": "bytes=0-1,5-6"}).status_code == 200  # whole file
    bad = api.get(url, headers={"Range": "bytes=200-"})
    assert bad.status_code == 416
    assert bad.json()["error"] == "range_not_satisfiable"
    assert bad.headers["content-range"] == "bytes */100"
    tag = got.headers["etag"]
    assert api.get(url, headers={"If-None-Match": tag}).status_code == 304
    stale = api.get(url, headers={"Range": "bytes=0-0", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == data


def test_a_value_that_is_no_upload_of_the_writer_is_400_naming_the_field(
    api: ApiClient, services: Services, admin: User
) -> None:
    response = api.post("/data/Note", json={"data": {"name": "x", "filename": "nope.txt"}})
    assert response.status_code == 400
    assert "filename" in response.json()["message"]
    bob = services.auth.add_user(admin.actor, "bob", "bob-secret-pw-1")
    _, token = services.auth.create_token("bob", "t")
    bobs = ApiClient(api.app, {"Authorization": f"Bearer {token}"})
    try:
        theirs = upload(bobs, b"bob's")
    finally:
        bobs.close()
    assert bob
    response = api.post("/data/Note", json={"data": {"name": "x", "filename": theirs}})
    assert response.status_code == 400
    used = upload(api, b"once")
    note_with(api, used)
    response = api.post("/data/Note", json={"data": {"name": "y", "filename": used}})
    assert response.status_code == 400  # attached already: no longer a temporary id


def test_attaching_replacing_and_removing_are_audited(api: ApiClient) -> None:
    note = note_with(api, upload(api, b"one", "one.txt"))
    assert (
        api.patch(
            f"/data/Note/{note}", json={"data": {"filename": upload(api, b"two", "two.txt")}}
        ).status_code
        == 200
    )
    assert api.get(f"/files/download/Note/{note}").content == b"two"
    row = audit_of(api, f"Note/{note}")["filename"]
    assert (row["before_value_string"], row["after_value_string"]) == ("one.txt", "two.txt")
    # the same name again: still a change the audit shows
    api.patch(f"/data/Note/{note}", json={"data": {"filename": upload(api, b"2b", "two.txt")}})
    assert api.get(f"/files/download/Note/{note}").content == b"2b"
    rows = api.get(f"/audit/Note/{note}").json()["records"]
    assert sum(r["field_name"] == "filename" for r in rows) == 2
    # written back unchanged (a client that PUTs the record it read): nothing happens
    record = api.get(f"/data/Note/{note}").json()["record"]
    assert (
        api.patch(f"/data/Note/{note}", json={"data": {"filename": record["filename"]}}).status_code
        == 200
    )
    assert api.get(f"/files/download/Note/{note}").content == b"2b"
    api.patch(f"/data/Note/{note}", json={"data": {"filename": ""}})
    assert api.get(f"/data/Note/{note}").json()["record"]["filename"] in (None, "")
    assert api.get(f"/files/download/Note/{note}").status_code == 404
    rows = api.get(f"/audit/Note/{note}").json()["records"]
    removed = next(r for r in rows if r["field_name"] == "filename")  # newest first
    assert removed["before_value_string"] == "two.txt" and removed["after_value_string"] is None


@BOTH_STORES
def test_deleting_a_record_keeps_its_file(api: ApiClient, services: Services) -> None:
    note = note_with(api, upload(api, b"kept"))
    assert api.delete(f"/data/Note/{note}").status_code == 200
    assert api.get(f"/files/download/Note/{note}").status_code == 404  # like the record
    assert len(file_rows(services)) == 1


@BOTH_STORES
def test_temp_url_downloads_without_credentials_until_it_expires(
    api: ApiClient, anon: ApiClient, services: Services
) -> None:
    note = note_with(api, upload(api, b"secret bytes"))
    url = api.get(f"/files/info/Note/{note}").json()["temp_url"]
    assert url.startswith("http://testserver/api.php/files/temp/")
    path = url.split("/api.php", 1)[1]
    assert anon.get(path).content == b"secret bytes"
    tampered = path.replace("signature=", "signature=0")
    assert anon.get(tampered).status_code == 403
    base, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&"))
    longer = f"{base}?expires={int(params['expires']) + 3600}&signature={params['signature']}"
    assert anon.get(longer).status_code == 403
    other = note_with(api, upload(api, b"another file"))
    other_id = (
        api.get(f"/files/info/Note/{other}").json()["temp_url"].split("/temp/")[1].split("?")[0]
    )
    assert anon.get(path.replace(base.rsplit("/", 1)[1], other_id)).status_code == 403
    file = services.files.find(SYSTEM, "Note", note)
    past = int(utcnow().timestamp()) - 10
    signature = services.files.url_signature(file, past)
    expired = anon.get(f"{base}?expires={past}&signature={signature}")
    assert expired.status_code == 403
    assert set(expired.json()) == {"error", "message", "hint"}


@BOTH_STORES
def test_the_sweep_removes_unattached_uploads_and_then_their_bytes(
    api: ApiClient, services: Services
) -> None:
    kept = note_with(api, upload(api, b"attached"))
    lonely = upload(api, b"lonely")
    sha = hashlib.sha256(b"lonely").hexdigest()
    assert services.files.purge(utcnow()) == 0  # nothing is due yet
    later = utcnow() + timedelta(seconds=services.settings.upload_ttl_seconds + 1)
    # the upload's row, and its bytes, unused for longer than the grace
    assert services.files.purge(later) == 2
    assert not services.files.blobs.has(sha)
    response = api.post("/data/Note", json={"data": {"name": "x", "filename": lonely}})
    assert response.status_code == 400
    assert services.files.purge(later + BLOB_GRACE) == 0
    assert api.get(f"/files/download/Note/{kept}").content == b"attached"


@BOTH_STORES
def test_one_file_uploaded_at_once_by_many_is_stored_once(
    api: ApiClient, services: Services
) -> None:
    data = os.urandom(300_000)
    ids: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        client = ApiClient(api.app, dict(api._client.headers))
        try:
            ids.append(upload(client, data, "same.bin"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(ids)) == 6
    blobs = services.db.tables.system("file_blobs")
    with services.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(blobs)).scalar() == 1
    for file_id in ids:
        note = note_with(api, file_id)
        assert api.get(f"/files/download/Note/{note}").content == data
    assert spooled(services) == []


def test_download_of_a_record_without_a_file_or_field(api: ApiClient) -> None:
    note = api.post("/data/Note", json={"data": {"name": "bare"}}).json()["id"]
    response = api.get(f"/files/download/Note/{note}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api.get(f"/files/download/Note/{note}?field=name").status_code == 400
    assert api.get("/files/download/Note/no-such-id").status_code == 404
    assert api.get("/files/download/NoSuchModel/x").status_code == 404
    assert api.get("/files/info/Contact/x").status_code in (400, 404)


def test_an_idempotency_key_does_not_make_an_upload_read_whole(
    api: ApiClient, services: Services
) -> None:
    size = services.settings.max_body_bytes + 1  # more than any JSON body may have
    response = api.post(
        "/files/upload",
        content=b"k" * size,
        headers={"X-OneCRM-Filename": "big.bin", "Idempotency-Key": "upload-1"},
    )
    assert response.status_code == 200, response.text


@BOTH_STORES
def test_the_sweep_removes_spool_files_a_dead_upload_left(
    api: ApiClient, services: Services
) -> None:
    spool = services.files.new_spool()
    spool.write(b"half an upload")
    spool.finish()  # the file stays, as when its process died
    old = utcnow().timestamp() - services.settings.upload_ttl_seconds - 10
    os.utime(spool.path, (old, old))
    fresh = services.files.new_spool()
    assert services.files.purge(utcnow()) == 1
    assert spooled(services) == [fresh.path.name]
    fresh.discard()


def test_an_upload_streams_through_a_few_mib_of_memory(api: ApiClient) -> None:
    """What the request path holds of a 24 MiB upload at its peak (Python's allocations,
    traced): a few MiB, not the file. (The S3 store's own bound is checked in
    tests/core/test_file_storage.py, in a process without moto, which keeps objects in
    memory.)"""
    import tracemalloc

    chunk = os.urandom(65536)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(384):
            yield chunk

    upload(api, b"warm-up", "first.bin")  # first-request work (caches of 63 models) aside
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        file_id = upload(api, body(), "stream.bin", "application/octet-stream")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * 1024 * 1024, f"{peak / 2**20:.1f} MiB held during the upload"
    note = note_with(api, file_id)
    assert api.get(f"/files/info/Note/{note}").json()["size"] == 384 * 65536
