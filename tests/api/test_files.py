"""/files: uploads streamed to the blob store, attached to records through file fields,
and downloaded with safe headers, by the record's read right or a signed URL."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient


def upload(api: ApiClient, data: bytes, name: str = "file.txt", mime: str = "text/plain") -> str:
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
    info = api.get(f"/files/info/Note/{note}").json()
    assert info["name"] == "spec.txt"
    assert info["size"] == len(data)
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert info["mimetype"] == info["mime_type"] == "text/plain"
    assert isinstance(info["modified"], int)


def test_base64_upload(api: ApiClient) -> None:
    data = bytes(range(256))
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


def test_range(api: ApiClient) -> None:
    data = bytes(range(100))
    note = note_with(api, upload(api, data))
    got = api.get(f"/files/download/Note/{note}", headers={"Range": "bytes=10-19"})
    assert got.status_code == 206
    assert got.content == data[10:20]
    assert got.headers["content-range"] == "bytes 10-19/100"
    bad = api.get(f"/files/download/Note/{note}", headers={"Range": "bytes=200-"})
    assert bad.status_code == 416
    assert bad.json()["error"] == "range_not_satisfiable"


def test_bad_file_value_names_field(api: ApiClient) -> None:
    response = api.post("/data/Note", json={"data": {"name": "x", "filename": "nope.txt"}})
    assert response.status_code == 400
    assert "filename" in response.json()["message"]


def test_temp_url(api: ApiClient, anon: ApiClient) -> None:
    note = note_with(api, upload(api, b"secret bytes"))
    url = api.get(f"/files/info/Note/{note}").json()["temp_url"]
    path = url.split("/api.php", 1)[1]
    assert anon.get(path).content == b"secret bytes"
    assert anon.get(path.replace("signature=", "signature=0")).status_code == 403


def test_sweep_removes_expired(api: ApiClient, services: Services) -> None:
    from datetime import timedelta

    from amity.core.clock import utcnow

    file_id = upload(api, b"lonely")
    assert services.files.purge(utcnow() + timedelta(days=2)) >= 1
    response = api.post("/data/Note", json={"data": {"name": "x", "filename": file_id}})
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["../../etc/passwd", "a\x00b.txt"])
def test_names(api: ApiClient, name: str) -> None:
    note = note_with(api, upload(api, b"x", name))
    assert "/" not in api.get(f"/data/Note/{note}").json()["record"]["filename"]
