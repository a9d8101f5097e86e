"""A user's preferences on the User record (language, date and time format, time zone,
currency): the user edits their own, and Amity formats for them where it formats for a
person (labels and messages without Accept-Language, PDFs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from amity.core.preferences import PersonFormat
from amity.core.services import Services
from tests.api.test_related import assert_error, create
from tests.api.test_tally_pdf import pdf_text
from tests.conftest import ApiClient, User

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def people(app: Any, services: Services, admin: User) -> Iterator[dict[str, tuple[str, ApiClient]]]:
    """Two ordinary users, each with a client of their own: name -> (user id, client)."""
    out: dict[str, tuple[str, ApiClient]] = {}
    for name in ("greta", "hank"):
        user_id = services.auth.add_user(admin.actor, name, None, last_name=name.title())
        token = services.auth.create_token(name, "prefs")[1]
        out[name] = (user_id, ApiClient(app, {"Authorization": f"Bearer {token}"}))
    yield out
    for _, client in out.values():
        client.close()


def set_preferences(client: ApiClient, user_id: str, **values: Any) -> None:
    resp = client.patch(f"/data/User/{user_id}", json={"data": values})
    assert resp.status_code == 200, resp.text


def test_without_accept_language_a_user_gets_their_language(
    people: dict[str, tuple[str, ApiClient]],
) -> None:
    (greta, as_greta), (_, as_hank) = people["greta"], people["hank"]
    set_preferences(as_greta, greta, language="de")
    missing = as_greta.get("/data/Contact/nope").json()
    assert (missing["message"], missing["hint"]) == (
        "Nicht gefunden",
        "Kein Contact mit der ID nope",
    )
    labels = as_greta.get("/meta/fields/Contact").json()["fields"]
    assert labels["first_name"]["vname"] == "Vorname"
    # the header still wins, and other users keep the server's language
    asked = as_greta.get("/data/Contact/nope", headers={"Accept-Language": "en"}).json()
    assert asked["message"] == "Not found"
    assert as_hank.get("/data/Contact/nope").json()["message"] == "Not found"
    set_preferences(as_greta, greta, language=None)  # chosen again: at once, not cached
    assert as_greta.get("/data/Contact/nope").json()["message"] == "Not found"


def test_a_user_edits_their_own_preferences_only(
    api: ApiClient, people: dict[str, tuple[str, ApiClient]]
) -> None:
    (greta, as_greta), (hank, _) = people["greta"], people["hank"]
    euro = create(api, "Currency", {"name": "Euro", "iso4217": "EUR"})
    mine = {
        "language": "de",
        "date_format": "d.m.Y",
        "time_format": "H:i",
        "timezone": "Europe/Berlin",
        "currency_id": euro,
    }
    set_preferences(as_greta, greta, **mine)
    record = as_greta.get(f"/data/User/{greta}").json()["record"]
    assert {k: record[k] for k in mine} == mine and record["currency"] == "Euro"
    # not another user's, and not their own role, status or name of login
    resp = as_greta.patch(f"/data/User/{hank}", json={"data": {"language": "de"}})
    assert_error(resp, 403, "Nur Administratoren")  # in German: greta's language
    assert api.get(f"/data/User/{hank}").json()["record"]["language"] is None
    resp = as_greta.patch(
        f"/data/User/{greta}", json={"data": {"status": "Inactive"}}, headers=ENGLISH
    )
    assert_error(resp, 403, "profile fields", "date_format", "language")
    # values outside the choices are a 400
    for bad in ({"date_format": "dd.mm.yy"}, {"timezone": "Mars/Olympus"}, {"language": "xx"}):
        resp = as_greta.patch(f"/data/User/{greta}", json={"data": bad}, headers=ENGLISH)
        assert_error(resp, 400, next(iter(bad)))


def test_the_pdf_of_a_user_who_prefers_german_is_german_with_their_date_format(
    api: ApiClient, people: dict[str, tuple[str, ApiClient]]
) -> None:
    greta, as_greta = people["greta"]
    contact = create(api, "Contact", {"last_name": "Lee", "birthdate": "1980-03-14"})
    task = create(api, "Task", {"name": "Call back", "date_due": "2025-03-14 23:30:00"})
    set_preferences(as_greta, greta, language="de", date_format="Y/m/d", timezone="Europe/Berlin")
    resp = as_greta.get(f"/printer/pdf/Contact/{contact}")
    assert resp.status_code == 200, resp.text
    text = pdf_text(resp.content)
    assert "Geburtsdatum" in text and "1980/03/14" in text
    # a time prints in the user's zone: 23:30 UTC is half past midnight in Berlin
    text = pdf_text(as_greta.get(f"/printer/pdf/Task/{task}").content)
    assert "Fällig am" in text and "2025/03/15 00:30" in text
    # the admin, who chose nothing, gets the English sheet with the stored UTC time
    text = pdf_text(api.get(f"/printer/pdf/Task/{task}").content)
    assert "Due Date" in text and "Mar 14, 2025 11:30" in text


def test_person_format_prints_for_the_person() -> None:
    """The value the calendar feed and report exports format with."""
    german = PersonFormat("de", "d.m.Y", "H:i", "Europe/Berlin", "EUR")
    assert german.date(date(2025, 3, 14)) == "14.03.2025"
    assert german.datetime(datetime(2025, 7, 1, 6, 5)) == "01.07.2025 08:05"  # summer time
    american = PersonFormat("en", "m/d/Y", "h:i A", "America/New_York")
    assert american.datetime(datetime(2025, 1, 2, 15, 0)) == "01/02/2025 10:00 AM"
    assert PersonFormat().date(date(2025, 3, 14)) == "Mar 14, 2025"  # nothing chosen
