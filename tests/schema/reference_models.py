"""The fields of 1CRM's own model descriptions (OpenAPI 2 files in
../shared/reference/1crm-models/) next to Amity's built-in models, and the fields
docs/models.md says Amity leaves out.

The tests read a snapshot of those files' field names and types (onecrm_fields.json, facts
only), so they run on a checkout without ../shared; a test compares the snapshot with the
files where they are. Run `python -m tests.schema.reference_models` to list, per model, the
fields Amity lacks that docs/models.md does not name either, and `... --snapshot` to write
the snapshot again from the files.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import json5

from amity.schema.registry import default_registry

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT.parent / "shared" / "reference" / "1crm-models"
MODELS_DOC = ROOT / "docs" / "models.md"
SNAPSHOT = Path(__file__).with_name("onecrm_fields.json")
_HEADING = re.compile(r"^### (\w+)$")
_NAME = re.compile(r"`([a-z0-9_]+)`")


def reference_fields(directory: Path = REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """model -> field -> its OpenAPI type, from every file of the directory. The files are
    read as JSON5: one of them has a trailing comma that strict JSON refuses."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.json")):
        document = json5.loads(path.read_text(encoding="utf-8"))
        for model, definition in document.get("definitions", {}).items():
            properties = definition.get("properties", {})
            out[model] = {name: str(spec.get("type", "")) for name, spec in properties.items()}
    return out


def snapshot_fields() -> dict[str, dict[str, str]]:
    """model -> field -> OpenAPI type, as the snapshot holds them."""
    fields: dict[str, dict[str, str]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return fields


def write_snapshot() -> None:
    text = json.dumps(reference_fields(), indent=1, sort_keys=True)
    SNAPSHOT.write_text(text + "\n", encoding="utf-8")


def left_out(doc: Path = MODELS_DOC) -> dict[str, set[str]]:
    """model -> the fields named in its `### Model` part of the "Left out" section: each
    bullet names fields in backticks, then a colon and the reason."""
    out: dict[str, set[str]] = {}
    model, in_section, bullet = "", False, ""

    def take() -> None:
        if model and bullet:
            names, _, _reason = bullet.partition(": ")
            out[model].update(_NAME.findall(names))

    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("- ") or not line.strip() or line.startswith("#"):
            take()
            bullet = line if line.startswith("- ") else ""
        elif bullet:
            bullet += " " + line.strip()
        if line.startswith("## "):
            in_section, model = line.strip() == "## Left out", ""
        heading = _HEADING.match(line.strip())
        if in_section and heading:
            model = heading.group(1)
            out.setdefault(model, set())
    take()
    return out


def lacking(reference: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """model -> the reference fields Amity's built-in model does not have."""
    registry = default_registry()
    return {
        model: [name for name in fields if name not in registry.model(model).fields]
        for model, fields in reference.items()
    }


def main() -> None:
    if "--snapshot" in sys.argv:
        write_snapshot()
        return
    reference = snapshot_fields()
    documented = left_out()
    for model, names in lacking(reference).items():
        undocumented = [n for n in names if n not in documented.get(model, set())]
        have = len(reference[model]) - len(names)
        print(f"{model}: {have} of {len(reference[model])} fields; lacks {len(names)}")
        if undocumented:
            print("  neither in Amity nor in docs/models.md:", ", ".join(undocumented))


if __name__ == "__main__":
    main()
