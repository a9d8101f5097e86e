"""Languages: labels, option labels, messages and locale formats from catalog files.

A catalog is a JSON file named after its language (`amity/i18n/de.json`, or one in
AMITY_LOCALE_DIR): `models`, `modules`, `labels` (English label -> label), `options`
(option -> label), `messages` (message id, the English template with {placeholders} an
error is raised with, -> translated template) and `locale` (formats for /meta/locale).
Adding a language is adding such a file. A text a catalog lacks stays English; a language
nobody ships falls back to AMITY_LANGUAGE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from babel import Locale, UnknownLocaleError

CATALOG_DIR = Path(__file__).resolve().parent.parent / "i18n"
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$|^\*$")
MAX_HEADER = 500


@runtime_checkable
class HasMessage(Protocol):
    """Something that carries a message id and its params (AmityError, InvalidValue)."""

    message_id: str
    params: dict[str, object]


@dataclass
class Catalog:
    language: str
    data: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}


class Languages:
    """Every catalog, and how to pick one for a request."""

    def __init__(self, default: str = "en", extra_dir: str = "") -> None:
        self.catalogs: dict[str, Catalog] = {}
        for directory in (CATALOG_DIR, Path(extra_dir) if extra_dir else None):
            if directory is None or not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.json")):
                data = json.loads(path.read_text(encoding="utf-8"))
                self.catalogs[path.stem.lower()] = Catalog(path.stem.lower(), data)
        self.default = default.lower() if default.lower() in self.catalogs else "en"

    def negotiate(self, accept_language: str | None) -> str:
        """The best shipped language for an Accept-Language header (q-values honoured)."""
        if not accept_language or len(accept_language) > MAX_HEADER:
            return self.default
        wanted: list[tuple[float, int, str]] = []
        for position, item in enumerate(accept_language.split(",")):
            tag, _, params = item.strip().partition(";")
            tag = tag.strip()
            if not _LANGUAGE.match(tag):
                continue
            quality = 1.0
            name, _, value = params.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    continue
            if quality > 0:
                wanted.append((-quality, position, tag.lower()))
        for _, _, tag in sorted(wanted):
            if tag == "*":
                return self.default
            for candidate in (tag, tag.split("-")[0]):
                if candidate in self.catalogs:
                    return candidate
        return self.default

    def catalog(self, language: str) -> Catalog:
        return self.catalogs.get(language) or self.catalogs[self.default]

    def text(self, language: str, section: str, english: str) -> str:
        """A label, option, model or module name in the language (English when missing)."""
        if language == "en":
            return english
        value = self.catalog(language).section(section).get(english)
        return str(value) if value else english

    def message(
        self, language: str, message_id: str, params: Mapping[str, object] | None = None
    ) -> str:
        """An error message or hint by its id, its {placeholders} filled from params (a
        param that is itself a message, such as an InvalidValue, is translated too); the
        English template when the catalog lacks the id or its template does not fit."""
        params = params or {}
        english = message_id.format(**params) if params else message_id
        if language == "en" or not message_id:
            return english
        template = self.catalog(language).section("messages").get(message_id)
        if not isinstance(template, str) or not template:
            return english
        if not params:
            return template
        local = {
            key: self.message(language, value.message_id, value.params)
            if isinstance(value, HasMessage)
            else value
            for key, value in params.items()
        }
        try:
            return template.format(**local)
        except (KeyError, IndexError, ValueError):
            return english

    def locale(self, language: str) -> dict[str, Any]:
        """Formats for /meta/locale: the catalog's, completed from CLDR data (babel)."""
        formats = dict(self.catalog(language).section("locale"))
        try:
            cldr = Locale.parse(language)
        except (UnknownLocaleError, ValueError):
            cldr = Locale.parse("en")
        symbols = cldr.number_symbols.get("latn", {})
        number = dict(formats.get("number_format") or {})
        number.setdefault("dec_sep", symbols.get("decimal", "."))
        number.setdefault("grp_sep", symbols.get("group", ","))
        formats["number_format"] = number
        formats["language"] = language
        formats["language_name"] = cldr.get_display_name(language) or language
        return formats
