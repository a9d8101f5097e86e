"""A file posted with a dashboard form (multipart/form-data), streamed into the files
service's spool a megabyte at a time, as the /files API streams a raw upload: the body is
never read whole into memory, and beyond AMITY_MAX_UPLOAD_BYTES the answer is a 413 at
once. The form's other inputs (the CSRF token first) arrive before the file; the token is
checked before a byte of the file is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import anyio.to_thread
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from amity.api.native.files import FLUSH_BYTES, too_large
from amity.core.actor import Actor
from amity.core.files.kinds import clean_name, declared_type
from amity.core.files.service import Files
from amity.core.files.storage import Spool
from amity.errors import AmityError, BadRequest

MAX_FIELD_BYTES = 4096  # a form's other inputs are short (the CSRF token)


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    value: bytearray = field(default_factory=bytearray)
    done: bool = False

    @property
    def is_file(self) -> bool:
        return self.filename is not None


@dataclass
class _State:
    parts: list[_Part] = field(default_factory=list)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    pending: list[bytes] = field(default_factory=list)  # file bytes not yet in the spool
    pending_size: int = 0
    file_size: int = 0
    files: int = 0


@dataclass(frozen=True)
class Upload:
    """The posted form: its short inputs, and the upload's temporary id (None when the
    form held no file, or an empty one)."""

    fields: dict[str, str]
    file_id: str | None


def _parser(boundary: bytes, state: _State, limit: int) -> MultipartParser:
    def part_begin() -> None:
        state.parts.append(_Part())

    def header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def header_end() -> None:
        part = state.parts[-1]
        part.headers[state.header_field.decode("latin-1").lower()] = state.header_value.decode(
            "latin-1"
        )
        state.header_field.clear()
        state.header_value.clear()

    def headers_finished() -> None:
        part = state.parts[-1]
        _, params = parse_options_header(part.headers.get("content-disposition", ""))
        part.name = params.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in params:
            part.filename = params[b"filename"].decode("utf-8", "replace")
            part.content_type = part.headers.get("content-type")
            state.files += 1
            if state.files > 1:
                raise BadRequest("Send one file at a time", "pick one file and send the form")

    def part_data(data: bytes, start: int, end: int) -> None:
        part = state.parts[-1]
        if part.is_file:
            chunk = data[start:end]
            state.pending.append(chunk)
            state.pending_size += len(chunk)
            state.file_size += len(chunk)
            if state.file_size > limit:
                raise too_large(limit)
        else:
            part.value += data[start:end]
            if len(part.value) > MAX_FIELD_BYTES:
                raise BadRequest("The form input {name} is too long", name=part.name[:50])

    def part_end() -> None:
        state.parts[-1].done = True

    callbacks = {
        "on_part_begin": part_begin,
        "on_header_field": header_field,
        "on_header_value": header_value,
        "on_header_end": header_end,
        "on_headers_finished": headers_finished,
        "on_part_data": part_data,
        "on_part_end": part_end,
    }
    return MultipartParser(boundary, callbacks)  # type: ignore[arg-type]


async def stream_upload(
    request: Request,
    files: Files,
    actor: Actor,
    check_fields: Callable[[dict[str, str]], None],
) -> Upload:
    """Read a multipart form whose file input comes last; `check_fields` sees the inputs
    before it (it raises to refuse the form, e.g. a wrong CSRF token) before the file's
    bytes are stored. Blocking work runs off the event loop."""
    mime, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        check_fields({})  # a form without its token is refused as such first
        raise BadRequest("Send the file with the upload form", "pick a file and press Upload")
    limit = files.settings.max_upload_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and len(length) < 20 and int(length) > limit + 64 * 1024:
        raise too_large(limit)
    state = _State()
    parser = _parser(boundary, state, limit)
    spool: Spool | None = None
    checked = False
    try:
        async for chunk in request.stream():
            if chunk:
                try:
                    parser.write(chunk)
                except AmityError:
                    raise
                except Exception as exc:  # the parser's own errors: a malformed body
                    raise BadRequest("The form could not be read", "send it again") from exc
            if state.pending or any(p.is_file for p in state.parts):
                if not checked:
                    check_fields(_short_fields(state))
                    checked = True
                if spool is None:
                    spool = await anyio.to_thread.run_sync(files.new_spool)
                if state.pending_size >= FLUSH_BYTES:
                    await anyio.to_thread.run_sync(spool.write_all, state.pending)
                    state.pending, state.pending_size = [], 0
        parser.finalize()
        if not checked:
            check_fields(_short_fields(state))
        file_part = next((p for p in state.parts if p.is_file), None)
        if spool is None or file_part is None or state.file_size == 0:
            if spool is not None:
                await anyio.to_thread.run_sync(spool.discard)
            return Upload(_short_fields(state), None)
        if state.pending:
            await anyio.to_thread.run_sync(spool.write_all, state.pending)
            state.pending, state.pending_size = [], 0
    except BaseException:
        if spool is not None:
            await anyio.to_thread.run_sync(spool.discard)
        raise
    name = clean_name(file_part.filename or "")
    declared = declared_type(file_part.content_type)
    file_id = await anyio.to_thread.run_sync(files.keep_upload, actor, spool, name, declared)
    return Upload(_short_fields(state), file_id)


def _short_fields(state: _State) -> dict[str, str]:
    return {
        p.name: p.value.decode("utf-8", "replace") for p in state.parts if not p.is_file and p.done
    }
