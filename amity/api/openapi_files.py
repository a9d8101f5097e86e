"""The OpenAPI operations of /files (amity/api/native/files.py)."""

from __future__ import annotations

from typing import Any

STRING: dict[str, Any] = {"type": "string"}
UPLOADED: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {
            "type": "string",
            "description": "INCOMING~<id>: write it into a file_ref or image field to attach "
            "the file (within AMITY_UPLOAD_TTL_SECONDS)",
        }
    },
}
FIELD_PARAM: list[dict[str, Any]] = [
    {
        "name": "field",
        "in": "query",
        "schema": STRING,
        "description": "the file field, when the model has several",
    }
]
INFO: dict[str, Any] = {
    "type": "object",
    "required": ["name", "mimetype", "mime_type", "modified", "size", "sha256", "temp_url"],
    "properties": {
        "name": STRING,
        "mimetype": STRING,
        "mime_type": STRING,
        "modified": {"type": "integer", "description": "seconds since 1970 (UTC)"},
        "size": {"type": "integer", "minimum": 0},
        "sha256": STRING,
        "temp_url": {
            "type": "string",
            "description": "downloads the file without credentials for AMITY_FILE_URL_SECONDS",
        },
    },
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/files/upload"): {
        "summary": "Upload a file (the body), named by X-OneCRM-Filename; a temporary id",
        "tag": "Files",
        "raw_body": True,
        "ok": UPLOADED,
        "query": [
            {"name": "X-OneCRM-Filename", "in": "header", "required": True, "schema": STRING}
        ],
    },
    ("POST", "/files/upload/base64"): {
        "summary": "Upload a file as base64 in JSON (body at most 1 MiB); a temporary id",
        "tag": "Files",
        "body": {
            "type": "object",
            "required": ["filename", "data"],
            "properties": {"filename": STRING, "mimetype": STRING, "data": STRING},
        },
        "ok": UPLOADED,
    },
    ("GET", "/files/download/{model}/{id}"): {
        "summary": "A record's file (a Document: its latest revision); Range gives 206",
        "tag": "Files",
        "download": True,
        "query": FIELD_PARAM,
    },
    ("GET", "/files/info/{model}/{id}"): {
        "summary": "A record's file: name, type, size, SHA-256 and a temporary download URL",
        "tag": "Files",
        "query": FIELD_PARAM,
        "ok": INFO,
    },
    ("GET", "/files/temp/{file_id}"): {
        "summary": "A file by the signed temp_url of /files/info (no credentials)",
        "tag": "Files",
        "public": True,
        "download": True,
        "query": [
            {"name": "expires", "in": "query", "required": True, "schema": STRING},
            {"name": "signature", "in": "query", "required": True, "schema": STRING},
        ],
    },
}
