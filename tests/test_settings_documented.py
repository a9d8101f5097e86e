"""Every setting is in the README's settings table, and the company settings read as printed."""

from __future__ import annotations

from pathlib import Path

from amity.config import Settings, describe_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name, _, _ in describe_settings() if f"| `{name}` |" not in text]
    assert not missing


def test_the_company_address_splits_into_lines() -> None:
    settings = Settings.from_env(
        {
            "AMITY_COMPANY_NAME": "Amity GmbH",
            "AMITY_COMPANY_ADDRESS": r"Hauptstraße 1\n10115 Berlin",
        }
    )
    assert settings.company_name == "Amity GmbH"
    assert settings.company_address_lines() == ("Hauptstraße 1", "10115 Berlin")
    real_breaks = Settings.from_env({"AMITY_COMPANY_ADDRESS": "a\n\n b \n"})
    assert real_breaks.company_address_lines() == ("a", "b")
    assert Settings.from_env({}).company_address_lines() == ()
