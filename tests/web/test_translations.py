"""Every text the dashboard shows has its German entry: the `ui` section of
amity/i18n/de.json holds each literal of the templates (`_("...")`) and of the views
(`.ui("...")`), so a page in German has no English left but the data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import amity.web

WEB = Path(amity.web.__file__).parent
GERMAN = json.loads((WEB.parent / "i18n" / "de.json").read_text(encoding="utf-8"))["ui"]
IN_TEMPLATES = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
IN_VIEWS = re.compile(r"""\.ui\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
SECTION_LABELS = ("Overview", "Addresses", "Details", "Other")  # amity.core.layouts


def literals() -> dict[str, str]:
    """Each literal -> the file it is in."""
    found: dict[str, str] = {}
    for pattern, files in (
        (IN_TEMPLATES, WEB.glob("templates/**/*.html")),
        (IN_VIEWS, WEB.glob("**/*.py")),
    ):
        for path in files:
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                found[match.group(1) or match.group(2)] = str(path.relative_to(WEB))
    for label in SECTION_LABELS:
        found[label] = "amity/core/layouts.py"
    return found


def test_the_dashboard_has_texts_to_translate() -> None:
    assert {"Sign in", "Save", "Wrong user name or password."} <= set(literals())


def test_every_dashboard_text_has_a_german_entry() -> None:
    missing = {text: where for text, where in literals().items() if not GERMAN.get(text)}
    assert not missing, f"add these to the 'ui' section of amity/i18n/de.json: {missing}"


def test_german_entries_keep_the_placeholders() -> None:
    for english, german in GERMAN.items():
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", german)), english
