"""File names and content types: what an upload is called and what it is.

A name keeps only its last path part, loses control and bidirectional-override characters
(which disguise "invoice‮fdp.exe" as a PDF) and is cut to 255 characters, extension kept.
A type is both declared (Content-Type) and sniffed from the first bytes (puremagic); where
the truth matters for the browser (images, PDF, HTML, SVG, XML) the bytes win. Only images
and PDF whose bytes confirm them are shown inline; everything else downloads.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

import puremagic

from amity.errors import BadRequest

NAME_MAX = 255
OCTET_STREAM = "application/octet-stream"
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
# types whose bytes the browser acts on: for these the sniffed type replaces the declared one
TELLING_TYPES = INLINE_TYPES | frozenset(
    {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}
)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
# what a file name header keeps unencoded: printable ASCII but '%' and '"'
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '%"\\')


def clean_name(raw: str) -> str:
    """The stored name of an upload: its last path part, without control or direction
    characters, at most 255 characters; 400 when nothing is left."""
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(
        c for c in name if unicodedata.category(c) not in ("Cc", "Cs") and not _BIDI.match(c)
    ).strip()
    if name in ("", ".", ".."):
        raise BadRequest(
            "The file name is empty",
            "send the file's name in X-OneCRM-Filename (or filename), e.g. report.pdf",
        )
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: NAME_MAX - len(ext) - 1] + "." + ext
        else:
            name = name[:NAME_MAX]
    return name


def header_name(name: str) -> str:
    """A name as the X-OneCRM-Filename header carries it: percent-encoded UTF-8 for what
    is not plain ASCII (a header holds no other bytes safely)."""
    return quote(name, safe=_HEADER_SAFE)


def name_from_header(value: bytes) -> str:
    """The name a client sent in X-OneCRM-Filename: UTF-8 (or Latin-1) and percent-encoding
    both understood."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    return unquote(text)


def declared_type(raw: str | None) -> str | None:
    """A Content-Type reduced to `type/subtype` in lower case; None when absent, generic
    (application/octet-stream) or malformed."""
    if not raw:
        return None
    mime = raw.split(";", 1)[0].strip().lower()
    if mime == OCTET_STREAM or not _MIME.fullmatch(mime):
        return None
    return mime


def sniffed_type(head: bytes) -> str | None:
    """The type the first bytes show, if puremagic knows them."""
    if not head:
        return None
    try:
        mime = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return mime.lower() or None


def stored_type(declared: str | None, sniffed: str | None) -> str:
    """What downloads declare: the uploader's type, unless the bytes say one of the types a
    browser acts on (or nothing was declared)."""
    if sniffed is not None and (declared is None or sniffed in TELLING_TYPES):
        return sniffed
    if declared in INLINE_TYPES and sniffed != declared:
        return OCTET_STREAM  # claims to be an image or a PDF, and the bytes do not show it
    return declared or OCTET_STREAM


def shown_inline(mimetype: str, sniffed: str | None) -> bool:
    """Whether a download may be shown in the browser: images and PDF the bytes confirm."""
    return mimetype in INLINE_TYPES and sniffed == mimetype


def disposition(name: str, inline: bool) -> str:
    """Content-Disposition with the original name: an ASCII fallback and the UTF-8 form."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
