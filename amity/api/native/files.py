"""/files: upload (raw or base64), download, info, and downloads by signed URL.

An upload's body streams to a spool file a megabyte at a time (the writes and the hashing
run in a worker thread); beyond AMITY_MAX_UPLOAD_BYTES the answer is a 413 at once and the
spool file is removed. Downloads stream from the blob store the same way.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from amity.api.authn import first_header
from amity.api.context import issuer, require_actor, services
from amity.api.errors import render_error
from amity.api.params import parse_query, read_json, str_param
from amity.api.ranges import RangeNotSatisfiable, byte_range
from amity.api.responses import JSONResponse
from amity.core.files.kinds import (
    clean_name,
    declared_type,
    disposition,
    header_name,
    name_from_header,
    shown_inline,
)
from amity.core.files.service import Files, StoredFile
from amity.core.files.storage import Spool
from amity.errors import BadRequest, PayloadTooLarge

BASE64_MAX_BYTES = 1024 * 1024  # the seed's limit on a base64 upload's body
FLUSH_BYTES = 1024 * 1024  # what an upload collects before it writes to the spool file
FILENAME_HEADER = b"x-onecrm-filename"  # header names arrive in lower case: any case matches


def files_of(request: Request) -> Files:
    return services(request).files


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        "The file is larger than {limit} bytes",
        "the server accepts files up to AMITY_MAX_UPLOAD_BYTES ({limit} bytes)",
        limit=limit,
    )


async def upload(request: Request) -> JSONResponse:
    """POST /files/upload: the body is the file → {"id": "INCOMING~<id>"}."""
    actor = require_actor(request)
    files = files_of(request)
    limit = files.settings.max_upload_bytes
    raw_name = first_header(request.scope, FILENAME_HEADER)
    name = clean_name(name_from_header(raw_name.encode("latin-1")) if raw_name else "")
    declared = declared_type(request.headers.get("content-type"))
    length = request.headers.get("content-length")
    if length and re.fullmatch(r"[0-9]{1,19}", length) and int(length) > limit:
        raise too_large(limit)
    spool: Spool = await anyio.to_thread.run_sync(files.new_spool)
    try:
        chunks: list[bytes] = []  # written together: one thread hop per megabyte
        pending = 0
        async for chunk in request.stream():
            chunks.append(chunk)
            pending += len(chunk)
            if spool.size + pending > limit:
                raise too_large(limit)
            if pending >= FLUSH_BYTES:
                await anyio.to_thread.run_sync(spool.write_all, chunks)
                chunks, pending = [], 0
        if chunks:
            await anyio.to_thread.run_sync(spool.write_all, chunks)
    except BaseException:
        await anyio.to_thread.run_sync(spool.discard)
        raise
    file_id = await anyio.to_thread.run_sync(files.keep_upload, actor, spool, name, declared)
    return JSONResponse({"id": file_id})


async def upload_base64(request: Request) -> JSONResponse:
    """POST /files/upload/base64 {"filename", "mimetype", "data"} → {"id"}."""
    actor = require_actor(request)
    payload = await read_json(request, BASE64_MAX_BYTES)
    if "data" in payload and isinstance(payload["data"], dict) and "filename" not in payload:
        payload = payload["data"]  # the {"data": {...}} envelope of other endpoints
    filename, mimetype, data = payload.get("filename"), payload.get("mimetype"), payload.get("data")
    if not isinstance(filename, str) or not isinstance(data, str):
        raise BadRequest(
            "filename and data are required",
            '{"filename": "a.txt", "mimetype": "text/plain", "data": "<base64>"}',
        )
    if mimetype is not None and not isinstance(mimetype, str):
        raise BadRequest("mimetype must be a string", 'e.g. "mimetype": "application/pdf"')
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("data is not valid base64", "encode the file's bytes as base64") from None
    files = files_of(request)
    if len(content) > files.settings.max_upload_bytes:
        raise too_large(files.settings.max_upload_bytes)
    name = clean_name(filename)
    file_id = await anyio.to_thread.run_sync(
        files.keep_bytes, actor, content, name, declared_type(mimetype)
    )
    return JSONResponse({"id": file_id})


def download_headers(file: StoredFile) -> dict[str, str]:
    inline = shown_inline(file.mimetype, file.sniffed_type)
    return {
        "Content-Type": file.mimetype,
        "Content-Disposition": disposition(file.name, inline),
        "X-OneCRM-Filename": header_name(file.name),
        "ETag": f'"{file.sha256}"',
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-cache",
    }


def serve(request: Request, files: Files, file: StoredFile) -> Response:
    """The file's bytes (a Range as 206), or 304 when the client has them."""
    headers = download_headers(file)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and headers["ETag"] in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": headers["ETag"]})
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != headers["ETag"]:
        wanted = None  # the client's part is of another version: send the whole file
    try:
        span = byte_range(wanted, file.size)
    except RangeNotSatisfiable as exc:
        response = render_error(exc, request)
        response.headers["Content-Range"] = f"bytes */{exc.size}"
        return response
    start, end = span if span is not None else (0, file.size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{file.size}"
    media_type = headers.pop("Content-Type")
    if request.method == "HEAD" or end == start:
        return Response(b"", status_code=status, headers=headers, media_type=media_type)
    chunks: Iterator[bytes] = files.blobs.read(file.sha256, start, end)
    body: AsyncIterator[bytes] = iterate_in_threadpool(chunks)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=media_type)


def field_param(request: Request) -> str | None:
    return str_param(parse_query(request.scope["query_string"]), "field") or None


async def download(request: Request) -> Response:
    """GET /files/download/{model}/{id}[?field=...]: the file's bytes."""
    actor = require_actor(request)
    files = files_of(request)
    p = request.path_params
    file = files.find(actor, p["model"], p["id"], field_param(request))
    return serve(request, files, file)


async def info(request: Request) -> JSONResponse:
    """GET /files/info/{model}/{id} → name, mimetype, modified, size, temp_url, sha256."""
    actor = require_actor(request)
    files = files_of(request)
    p = request.path_params
    file = files.find(actor, p["model"], p["id"], field_param(request))
    return JSONResponse(info_of(request, files, file))


def info_of(request: Request, files: Files, file: StoredFile) -> dict[str, Any]:
    expires, signature = files.signed_query(file)
    query = urlencode({"expires": expires, "signature": signature})
    return {
        "name": file.name,
        "mimetype": file.mimetype,
        "mime_type": file.mimetype,
        "modified": int(file.modified.replace(tzinfo=UTC).timestamp()),
        "size": file.size,
        "sha256": file.sha256,
        "temp_url": f"{issuer(request)}/api.php/files/temp/{file.id}?{query}",
    }


async def temp_download(request: Request) -> Response:
    """GET /files/temp/{file_id}?expires=...&signature=...: a download by signed URL, no
    credentials needed until it expires."""
    params = parse_query(request.scope["query_string"])
    files = files_of(request)
    file = files.by_signed_url(
        request.path_params["file_id"],
        str_param(params, "expires") or "",
        str_param(params, "signature") or "",
    )
    return serve(request, files, file)


routes = [
    Route("/files/upload", upload, methods=["POST"]),
    Route("/files/upload/base64", upload_base64, methods=["POST"]),
    Route("/files/download/{model}/{id}", download, methods=["GET"]),
    Route("/files/info/{model}/{id}", info, methods=["GET"]),
    Route("/files/temp/{file_id}", temp_download, methods=["GET"]),
]
