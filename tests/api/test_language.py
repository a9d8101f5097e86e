"""Accept-Language: labels, option labels and messages in German or English; a language
is a catalog file; AMITY_LANGUAGE is the fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from amity.app import create_app
from amity.config import Settings
from amity.core.i18n import CATALOG_DIR, Languages
from amity.core.services import build_services
from tests.conftest import NO_RATE_LIMITS, ApiClient, User


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, "en"),
        ("de", "de"),
        ("de-AT", "de"),
        ("en-US,de;q=0.9", "en"),
        ("fr;q=1, de;q=0.5", "de"),
        ("fr, *;q=0.1", "en"),
        ("de;q=0, en;q=0.2", "en"),
        ("x" * 600, "en"),
        ("de;q=abc, en", "en"),
        ("<script>", "en"),
    ],
)
def test_negotiation(header: str | None, chosen: str) -> None:
    assert Languages("en").negotiate(header) == chosen


def test_every_catalog_covers_every_builtin_label_and_option() -> None:
    """A shipped language translates all built-in labels and options (none left English
    by accident); a new built-in field fails here until de.json has it."""
    from amity.schema.registry import default_registry

    german = json.loads((CATALOG_DIR / "de.json").read_text(encoding="utf-8"))
    registry = default_registry()
    for name in registry.models:
        model = registry.model(name)
        assert model.label in german["models"] or model.name in german["models"], name
        for fd in model.fields.values():
            assert fd.vname in german["labels"], f"{name}.{fd.name}: {fd.vname}"
            for option in fd.options:
                assert option in german["options"], f"{name}.{fd.name}: {option}"


def test_field_labels_and_options_in_german(api: ApiClient) -> None:
    en = api.get("/meta/fields/Contact").json()
    de = api.get("/meta/fields/Contact", headers={"Accept-Language": "de"}).json()
    assert en["fields"]["first_name"]["vname"] == "First Name"
    assert de["fields"]["first_name"]["vname"] == "Vorname"
    assert de["fields"]["salutation"]["options"]["Mr."] == "Herr"  # keys stay the values
    assert set(de["fields"]) == set(en["fields"])


def test_messages_in_german(api: ApiClient, anon: ApiClient) -> None:
    de = {"Accept-Language": "de"}
    missing = api.get("/data/Contact/nope", headers=de).json()
    assert missing == {
        "error": "not_found",
        "message": "Nicht gefunden",
        "hint": "Kein Contact mit der ID nope",
    }
    assert anon.get("/me", headers=de).json()["message"] == "Anmeldung erforderlich"
    assert api.get("/no/such", headers=de).json()["hint"].startswith("Kein Endpunkt /api.php")
    # a message the catalog lacks stays English rather than breaking
    odd = api.get("/data/Contact", params={"order": "shoe_size"}, headers=de).json()
    assert odd["error"] == "bad_request" and "shoe_size" in odd["message"]


@pytest.fixture
def french_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "catalogs"
    directory.mkdir()
    (directory / "fr.json").write_text(
        json.dumps(
            {
                "language": "fr",
                "labels": {"First Name": "Prénom"},
                "messages": {"Not found": "Introuvable"},
            }
        ),
        encoding="utf-8",
    )
    return directory


@pytest.fixture
def french_api(database_url: str, admin: User, french_dir: Path) -> Iterator[ApiClient]:
    settings = Settings(
        database_url=database_url,
        log_level="WARNING",
        language="de",
        locale_dir=str(french_dir),
        **NO_RATE_LIMITS,
    )
    services = build_services(settings)
    client = ApiClient(create_app(settings, services), {"Authorization": f"Bearer {admin.token}"})
    yield client
    client.close()
    services.close()


def test_a_language_is_a_data_file_and_the_default_is_a_setting(french_api: ApiClient) -> None:
    fr = french_api.get("/meta/fields/Contact", headers={"Accept-Language": "fr"}).json()
    assert fr["fields"]["first_name"]["vname"] == "Prénom"
    assert fr["fields"]["last_name"]["vname"] == "Last Name"  # not in the file: English
    assert (
        french_api.get("/data/Contact/x", headers={"Accept-Language": "fr"}).json()["message"]
        == "Introuvable"
    )
    # AMITY_LANGUAGE=de: no header, or only unknown languages, gives German
    default = french_api.get("/meta/fields/Contact").json()
    assert default["fields"]["first_name"]["vname"] == "Vorname"
    unknown = french_api.get("/meta/fields/Contact", headers={"Accept-Language": "ja"}).json()
    assert unknown["fields"]["first_name"]["vname"] == "Vorname"
