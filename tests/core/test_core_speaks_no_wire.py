"""amity/core, amity/schema and amity/store speak no wire format: no string they hold (an
error's message or hint above all) names an HTTP request, a 1CRM path or 1CRM's
`filters[...]` query syntax. The 1CRM API puts its own words back
(amity/api/native/hints.py). Docstrings, which no client sees, are not scanned."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import amity

PACKAGES = ("core", "schema", "store")
WIRE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+/|filters\[|/api\.php|/data/")
# (file, literal) pairs that name a path for a reason other than telling a client
ALLOWED = {
    # the OAuth audience claim: the URL of the resource the tokens are for
    ("core/auth/oauth.py", "/api.php"),
}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the nodes that are docstrings of a module, class or function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def wire_literals(root: Path) -> list[str]:
    """Each string literal under root (but docstrings) that speaks the wire: file:line."""
    hits = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        name = path.relative_to(root.parent).as_posix()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and WIRE.search(node.value)
                and (name, node.value) not in ALLOWED
            ):
                hits.append(f"{name}:{node.lineno}: {node.value!r}")
    return hits


def test_the_pattern_catches_what_it_should() -> None:
    for wire in (
        "GET /meta/fields/{model} lists its fields",
        "sign in again: POST /api.php/session",
        "use filters[{id_name}]=<id>",
        'the filters GET /data/{model} takes, e.g. {"last_name": "Smith"}',
        "first PATCH /admin/models/{name}",
    ):
        assert WIRE.search(wire), wire
    for neutral in ("list the fields of {model} to see the valid names", "Y-m-d", "GET it"):
        assert not WIRE.search(neutral), neutral


def test_the_scan_finds_a_wire_hint(tmp_path: Path) -> None:
    root = tmp_path / "core"
    root.mkdir()
    (root / "bad.py").write_text(
        '"""GET /docs/only: a docstring is not scanned."""\nHINT = "GET /webhooks lists yours"\n',
        encoding="utf-8",
    )
    assert wire_literals(root) == ["core/bad.py:2: 'GET /webhooks lists yours'"]


def test_core_schema_and_store_name_no_request_path_or_query_syntax() -> None:
    package = Path(amity.__file__).resolve().parent
    hits = [hit for name in PACKAGES for hit in wire_literals(package / name)]
    assert hits == [], "\n".join(hits)
