"""Request parameters the 1CRM way: PHP-style bracket arrays in the query string,
1CRM types (Bool, Int, Array, Object), and JSON bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from amity.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from amity.schema.types import InvalidValue, parse_bool

_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_POSITION = re.compile(r"[0-9]{1,9}")  # a list position in brackets: ASCII digits only
MAX_PARAMS = 1000
MAX_DEPTH = 3


def parse_query(query_string: bytes) -> dict[str, Any]:
    """`fields[0]=a&fields[]=b&filters[x-operator]=y` -> {"fields": [...], "filters": {...}}.

    Bracket keys may arrive percent-encoded. Numeric or empty brackets build lists.
    """
    try:
        # raw (unencoded) bytes above ASCII are percent-encoded so UTF-8 decoding sees them
        text = "".join(chr(b) if b < 128 else f"%{b:02X}" for b in query_string)
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMS,
        )
    except UnicodeDecodeError:
        raise BadRequest(
            "The query string is not valid UTF-8", "percent-encode parameters as UTF-8"
        ) from None
    except ValueError:
        raise BadRequest(
            "Too many query parameters (at most {max_params})", max_params=MAX_PARAMS
        ) from None
    out: dict[str, Any] = {}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise BadRequest("NUL characters are not allowed in parameters")
        match = _BRACKETS.match(key)
        if not match:
            out[key] = value
            continue
        segments = _SEGMENT.findall(match.group(2))
        if len(segments) > MAX_DEPTH:
            raise BadRequest("Parameter {key} is nested too deeply", key=key)
        _put(out, [match.group(1), *segments], value, key)
    return {k: _listify(v) for k, v in out.items()}


def _put(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    for i, segment in enumerate(path[:-1]):
        child = node.get(segment)
        if not isinstance(child, dict):
            if child is not None:
                raise BadRequest("Parameter {key} conflicts with another of the same name", key=key)
            child = {}
            node[segment] = child
        node = child
        if path[i + 1] == "":
            path[i + 1] = f"\x00{len(node)}"  # an append slot, ordered after the others
    last = path[-1]
    if last == "":
        last = f"\x00{len(node)}"
    if isinstance(node.get(last), dict):
        raise BadRequest("Parameter {key} conflicts with another of the same name", key=key)
    node[last] = value


def _listify(value: Any) -> Any:
    """Dicts whose keys are all list positions become lists."""
    if not isinstance(value, dict):
        return value
    value = {k: _listify(v) for k, v in value.items()}
    if value and all(_POSITION.fullmatch(k) or k.startswith("\x00") for k in value):
        numbered = sorted((k for k in value if _POSITION.fullmatch(k)), key=int)
        appended = [k for k in value if k.startswith("\x00")]
        return [value[k] for k in numbered + appended]
    return value


def int_param(params: dict[str, Any], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not isinstance(raw, str) or not re.fullmatch(r"-?[0-9]{1,18}", raw.strip()):
        raise BadRequest("{name} must be an integer, got {raw!r}", name=name, raw=raw)
    return int(raw)


def paging_params(params: dict[str, Any], max_limit: int = 200) -> tuple[int, int]:
    """offset (>= 0, default 0) and limit (1..max_limit, default 20) of a list; 400 else."""
    offset = int_param(params, "offset", 0)
    if offset < 0:
        raise BadRequest("offset must not be negative")
    limit = int_param(params, "limit", 20)
    if not 1 <= limit <= max_limit:
        raise BadRequest("limit must be between 1 and {max_limit}", max_limit=max_limit)
    return offset, limit


def bool_param(params: dict[str, Any], name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    try:
        return parse_bool(raw)
    except InvalidValue:
        raise BadRequest("{name} must be a boolean (true/false, 1/0, yes/no)", name=name) from None


def list_param(params: dict[str, Any], name: str) -> list[str] | None:
    """An Array parameter; a comma-separated string is accepted too. Blank entries
    (`fields[]=`) are skipped; None when nothing is left."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()] or None
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        return [v for v in raw if v.strip()] or None
    raise BadRequest("{name} must be a list of strings", name=name)


def str_param(params: dict[str, Any], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadRequest("{name} must be a string", name=name)
    return raw


def dict_param(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise BadRequest("{name} must be an object, e.g. {name}[field]=value", name=name)
    return raw


async def read_json(
    request: Request,
    max_bytes: int | None = None,
    loads: Callable[[bytes], Any] = orjson.loads,
) -> dict[str, Any]:
    """The JSON object body of a request ({} when empty); 415 for other content types.
    413 beyond `max_bytes` (AMITY_MAX_BODY_BYTES unless given). `loads` parses the body
    (raising orjson.JSONDecodeError), e.g. one that reads numbers as Decimal."""
    body = await read_body(request, max_bytes)
    if not body.strip():
        return {}
    header = request.headers.get("content-type", "")
    content_type = header.split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(
            "Unsupported content type {content_type!r}",
            "send the body as JSON with Content-Type: application/json",
            content_type=content_type or "(none)",
        )
    check_utf8(header)
    try:
        data = loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "Malformed JSON in request body", "{detail}", detail=str(exc)[:200]
        ) from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object", 'e.g. {"data": {...}}')
    return data


def check_utf8(content_type: str) -> None:
    """415 when a Content-Type declares a charset other than UTF-8 (JSON is UTF-8)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(
                "Unsupported charset {charset!r} for a JSON body",
                "send JSON as UTF-8 (charset=utf-8, or no charset)",
                charset=charset,
            )


async def read_body(request: Request, max_bytes: int | None = None) -> bytes:
    """The raw body; 413 beyond `max_bytes` (AMITY_MAX_BODY_BYTES unless given)."""
    if max_bytes is None:
        max_bytes = int(request.app.state.services.settings.max_body_bytes)
    declared = request.headers.get("content-length")
    if declared and re.fullmatch(r"[0-9]{1,19}", declared) and int(declared) > max_bytes:
        raise PayloadTooLarge("Request body larger than {max_bytes} bytes", max_bytes=max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge("Request body larger than {max_bytes} bytes", max_bytes=max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)
