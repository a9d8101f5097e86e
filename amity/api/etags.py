"""ETags of records and the If-Match / If-None-Match headers (RFC 9110 section 13).

A record's ETag is `"<version>-<tag>"`: its version (store/tables.py VERSION, one more with
every change of its row) and a short hash of its model and id, so that the ETag of one
record never matches another's. It names the record's stored state, whichever `fields`
were asked for.
"""

from __future__ import annotations

import hashlib
import re

from amity.core.records import Expected
from amity.errors import BadRequest

ANY = "*"
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def record_tag(model: str, record_id: str) -> str:
    """The part of a record's ETags that stays the same across its versions."""
    return hashlib.blake2b(f"{model}\x00{record_id}".encode(), digest_size=4).hexdigest()


def etag(model: str, record_id: str, version: int) -> str:
    """The strong ETag of a record at a version, quotes included."""
    return f'"{version}-{record_tag(model, record_id)}"'


def parse_tags(header: str, name: str) -> list[tuple[bool, str]] | None:
    """The entity tags of an If-Match or If-None-Match value as (weak, opaque) pairs, None
    for `*`; 400 for anything else."""
    text = header.strip()
    if text == ANY:
        return None
    tags: list[tuple[bool, str]] = []
    position = 0
    while True:
        found = _ENTITY_TAG.match(text, position)
        if found is None:
            raise BadRequest(
                "Invalid {header} header {value!r}",
                'send * or ETags exactly as GET returned them, quotes included, e.g. "3-1a2b3c4d"',
                header=name,
                value=header[:100],
            )
        tags.append((found.group(1) is not None, found.group(2)))
        position = found.end()
        if position >= len(text):
            return tags


def expected(header: str | None, model: str, record_id: str) -> Expected | None:
    """What an If-Match header expects of the record (None: no header, no condition).
    Strong comparison: weak tags and tags of other records match no version."""
    if header is None:
        return None
    tags = parse_tags(header, "If-Match")
    if tags is None:
        return Expected()
    mine = record_tag(model, record_id)
    versions: set[int] = set()
    for weak, opaque in tags:
        version = opaque.partition("-")[0]
        digits = version.isascii() and version.isdigit()
        if not weak and digits and opaque == f"{int(version)}-{mine}":  # the ETag we gave
            versions.add(int(version))
    return Expected(frozenset(versions))


def none_match(header: str | None, current: str) -> bool:
    """Whether an If-None-Match header names the current ETag (or is `*`): weak comparison,
    so W/"3-..." counts as "3-..."."""
    if header is None:
        return False
    tags = parse_tags(header, "If-None-Match")
    return tags is None or any(f'"{opaque}"' == current for _, opaque in tags)
