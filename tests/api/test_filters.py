"""List filters, order and paging of GET /data/{model}, with the seed's semantics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from amity.config import Settings
from amity.core import clock
from amity.core.actor import Actor
from amity.core.services import Services
from tests.conftest import ApiClient, User


def create(api: ApiClient, model: str, **data: Any) -> str:
    response = api.post(f"/data/{model}", json={"data": data})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def listing(api: ApiClient, model: str, params: dict[str, Any] | str) -> list[dict[str, Any]]:
    """Every row of a list (page by page, limit 200), checking total_results."""
    rows: list[dict[str, Any]] = []
    total = None
    while True:
        if isinstance(params, str):
            response = api.get(f"/data/{model}?{params}&offset={len(rows)}&limit=200")
        else:
            response = api.get(
                f"/data/{model}", params={**params, "offset": len(rows), "limit": 200}
            )
        assert response.status_code == 200, response.text
        page = response.json()
        total = page["total_results"] if total is None else total
        assert page["total_results"] == total
        rows += page["records"]
        if len(page["records"]) < 200:
            break
    assert len(rows) == total
    return rows


def ids(api: ApiClient, model: str, params: dict[str, Any] | str) -> set[str]:
    found = [row["id"] for row in listing(api, model, params)]
    assert len(found) == len(set(found))
    return set(found)


def names(api: ApiClient, model: str, params: dict[str, Any] | str) -> set[str]:
    return {row["name"] for row in listing(api, model, params)}


def bad_request(api: ApiClient, model: str, params: dict[str, Any] | str, *words: str) -> str:
    """A 400 in the 1CRM error shape whose message names each of `words`."""
    url = f"/data/{model}?{params}" if isinstance(params, str) else f"/data/{model}"
    response = api.get(url, params=None if isinstance(params, str) else params)
    assert response.status_code == 400, (params, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "hint"} and body["error"] == "bad_request"
    for word in words:
        assert word in body["message"], (word, body)
    return str(body["message"])


# -- filter_text -------------------------------------------------------------------------


def test_filter_text_contact_searches_names_and_email1(api: ApiClient) -> None:
    people = {
        "john": create(
            api, "Contact", first_name="John", last_name="Smith", email1="js@corp.example"
        ),
        "johnathan": create(api, "Contact", first_name="Johnathan", last_name="Doe"),
        "johnson": create(
            api, "Contact", first_name="Mary", last_name="Johnson", email1="mary@x.example"
        ),
        "by_email": create(
            api, "Contact", first_name="Anna", last_name="Bell", email1="john.bell@mail.example"
        ),
        "email2_only": create(
            api,
            "Contact",
            first_name="Zed",
            last_name="Zulu",
            email2="johnny@other.example",
            phone_work="john",
        ),
        "middle": create(
            api, "Contact", first_name="Ajohn", last_name="Xjohn", email1="xjohn@x.example"
        ),
    }

    def search(text: str) -> set[str]:
        return ids(api, "Contact", {"filter_text": text})

    assert search("john") == {people[k] for k in ("john", "johnathan", "johnson", "by_email")}
    assert search("JOHN") == search("john")
    assert search("John Smith") == {people["john"]}
    assert search("john sm") == {people["john"]}
    assert search("Mary Johnson") == {people["johnson"]}
    assert search("Smith John") == set()
    assert search("mary@") == {people["johnson"]}
    assert search("ohn") == set()
    assert search("smi") == {people["john"]}
    assert search("   ") == set(people.values())  # blank search filters nothing


def test_filter_text_account_searches_name(api: ApiClient) -> None:
    acme = create(api, "Account", name="Acme Corp")
    acme_ltd = create(api, "Account", name="acme ltd")
    create(api, "Account", name="Big Acme", description="Acme")
    create(api, "Account", name="Other", industry="Energy")
    assert ids(api, "Account", {"filter_text": "Acme"}) == {acme, acme_ltd}
    assert ids(api, "Account", {"filter_text": "acme c"}) == {acme}
    assert ids(api, "Account", {"filter_text": "cme"}) == set()


def test_filter_text_case_searches_subject_and_number(api: ApiClient) -> None:
    subjects = ["Printer jam", "Password reset", "1 more thing", "Printer toner"]
    cases = {create(api, "aCase", name=s): s for s in subjects}
    numbers = {r["id"]: r["case_number"] for r in listing(api, "aCase", "fields[]=case_number")}
    assert len(set(numbers.values())) == len(subjects)
    for case_id, number in numbers.items():
        expected = {
            cid
            for cid, subject in cases.items()
            if numbers[cid] == number or subject.startswith(str(number))
        }
        assert case_id in expected
        assert ids(api, "aCase", {"filter_text": str(number)}) == expected
    assert names(api, "aCase", {"filter_text": "print"}) == {"Printer jam", "Printer toner"}
    assert names(api, "aCase", {"filter_text": "jam"}) == set()
    assert ids(api, "aCase", {"filter_text": "999999"}) == set()


# -- text filters --------------------------------------------------------------------------


def test_text_filter_is_a_case_insensitive_prefix(api: ApiClient) -> None:
    made = {
        name: create(api, "Contact", first_name=name, last_name="Test")
        for name in ("Johnathan", "john", "JOHN", "Ajohn", "Jo", "Joh n")
    }

    def by_first(value: str) -> set[str]:
        return ids(api, "Contact", {"filters[first_name]": value})

    assert by_first("John") == {made["Johnathan"], made["john"], made["JOHN"]}
    assert by_first("jOHNA") == {made["Johnathan"]}
    assert by_first("ohn") == set()
    assert by_first("Jo") == set(made.values()) - {made["Ajohn"]}
    assert by_first("") == set(made.values())  # an empty value filters nothing
    assert by_first("Johnathan Test") == set()


def test_text_filter_special_characters_are_literal(api: ApiClient) -> None:
    accounts = [
        "100% Pure",
        "100 Percent",
        "1000 Ways",
        "50_50 Ltd",
        "5050 Ltd",
        "50a50 Ltd",
        "O'Brien & Co",
        "OBrien",
        "%Special",
        "_Under",
        "Back\\slash",
        "Backslash",
        "Brackets [x]",
        "Bracketsx",
    ]
    for name in accounts:
        create(api, "Account", name=name)

    def by_name(value: str) -> set[str]:
        return names(api, "Account", {"filters[name]": value})

    assert by_name("100%") == {"100% Pure"}
    assert by_name("50_") == {"50_50 Ltd"}
    assert by_name("O'B") == {"O'Brien & Co"}
    assert by_name("%") == {"%Special"}
    assert by_name("_") == {"_Under"}
    assert by_name("Back\\") == {"Back\\slash"}
    assert by_name("Brackets [") == {"Brackets [x]"}
    assert by_name("' OR '1'='1") == set()
    assert by_name("100") == {"100% Pure", "100 Percent", "1000 Ways"}


def test_text_filter_non_ascii(api: ApiClient) -> None:
    greek = "\u03a3\u0391\u03a3 Holdings"  # capital sigma, alpha, sigma
    for name in (
        "Zoë Trading",
        "Zoe Trading",
        "İstanbul Trade",
        "Istanbul Imports",
        greek,
        "日本商事",
        "日本",
        "Max \U0010ffff end",
        "Max",
    ):
        create(api, "Account", name=name)

    def by_name(value: str) -> set[str]:
        return names(api, "Account", {"filters[name]": value})

    assert by_name("zoë") == {"Zoë Trading"}
    assert by_name("ZOE") == {"Zoe Trading"}
    assert "İstanbul Trade" in by_name("İstanbul")
    assert "Istanbul Imports" in by_name("istanbul")
    assert by_name(greek[:3]) == {greek}
    assert by_name(greek) == {greek}
    assert by_name("日本") == {"日本商事", "日本"}
    assert by_name("日本商") == {"日本商事"}
    assert by_name("Max \U0010ffff") == {"Max \U0010ffff end"}
    assert by_name("Max \U0010ffff\U0010ffff") == set()
    assert by_name("max") == {"Max \U0010ffff end", "Max"}


def test_person_name_filter(api: ApiClient) -> None:
    john = create(api, "Contact", first_name="John", last_name="Smith")
    jo = create(api, "Contact", first_name="Jo", last_name="Smithers")
    create(api, "Contact", first_name="Anna", last_name="Johnson")
    assert ids(api, "Contact", {"filters[name]": "John Sm"}) == {john}
    assert ids(api, "Contact", {"filters[name]": "smith"}) == {john, jo}
    assert ids(api, "Contact", {"filters[last_name]": "Smith"}) == {john, jo}
    assert ids(api, "Contact", {"filters[last_name]": "Smithe"}) == {jo}


# -- enum filters --------------------------------------------------------------------------


def test_enum_filter_matches_exactly(api: ApiClient) -> None:
    made = {
        "c1": create(api, "Account", name="C1", account_type="Customer"),
        "c2": create(api, "Account", name="C2", account_type="Customer"),
        "p": create(api, "Account", name="P", account_type="Partner"),
        "s": create(api, "Account", name="S", account_type="Supplier"),
        "none": create(api, "Account", name="N"),
    }
    assert ids(api, "Account", {"filters[account_type]": "Customer"}) == {made["c1"], made["c2"]}
    both = {made["c1"], made["c2"], made["p"]}
    assert (
        ids(api, "Account", "filters[account_type][]=Customer&filters[account_type][]=Partner")
        == both
    )
    assert (
        ids(
            api,
            "Account",
            "filters%5Baccount_type%5D%5B0%5D=Partner&filters%5Baccount_type%5D%5B1%5D=Customer",
        )
        == both
    )
    assert ids(api, "Account", "filters[account_type][]=Supplier") == {made["s"]}
    assert ids(api, "Account", {"filters[account_type]": ""}) == set(made.values())
    assert ids(api, "Account", "filters[account_type][]=") == set(made.values())


def test_enum_filter_rejects_values_that_are_not_options(api: ApiClient) -> None:
    create(api, "Account", name="C1", account_type="Customer")
    for query in (
        "filters[account_type]=Cust",
        "filters[account_type]=customer",
        "filters[account_type]=Customer%20",
        "filters[account_type][]=Customer&filters[account_type][]=Nope",
    ):
        bad_request(api, "Account", query, "account_type")


def test_enum_filter_on_opportunity_stage(api: ApiClient) -> None:
    won = create(api, "Opportunity", name="Won", date_closed="2024-01-01", sales_stage="Closed Won")
    create(api, "Opportunity", name="Lost", date_closed="2024-01-01", sales_stage="Closed Lost")
    assert ids(api, "Opportunity", {"filters[sales_stage]": "Closed Won"}) == {won}
    bad_request(api, "Opportunity", {"filters[sales_stage]": "Closed"}, "sales_stage")


# -- ref filters ---------------------------------------------------------------------------


@pytest.fixture
def jane(services: Services, admin: User) -> User:
    """A second, non-admin user named Jane Doe."""
    user_id = services.auth.add_user(
        admin.actor, "jane", "jane-secret-pw", first_name="Jane", last_name="Doe"
    )
    _, token = services.auth.create_token("jane", "tests")
    return User(
        user_id,
        "jane",
        "jane-secret-pw",
        token,
        Actor(user_id=user_id, user_name="jane", is_admin=False),
    )


@pytest.fixture
def jane_api(app: Any, jane: User) -> Iterator[ApiClient]:
    client = ApiClient(app, {"Authorization": f"Bearer {jane.token}"})
    yield client
    client.close()


def test_ref_filter_by_related_name_and_id(api: ApiClient) -> None:
    accounts = {
        name: create(api, "Account", name=name)
        for name in ("Acme Corp", "acme ltd", "Big Acme", "Globex")
    }
    opps = {
        name: create(
            api, "Opportunity", name=f"Deal {name}", date_closed="2024-05-01", account_id=account
        )
        for name, account in accounts.items()
    }
    orphan = create(api, "Opportunity", name="No account", date_closed="2024-05-01")

    def by(params: dict[str, str]) -> set[str]:
        return ids(api, "Opportunity", params)

    assert by({"filters[account]": "Acme"}) == {opps["Acme Corp"], opps["acme ltd"]}
    assert by({"filters[account]": "ACME L"}) == {opps["acme ltd"]}
    assert by({"filters[account]": "cme"}) == set()
    assert by({"filters[account]": "Big"}) == {opps["Big Acme"]}
    assert by({"filters[account_id]": accounts["Globex"]}) == {opps["Globex"]}
    assert by({"filters[account_id]": "no-such-id"}) == set()
    assert orphan not in by({"filters[account]": "A"})
    # a deleted account's name no longer matches
    assert api.delete(f"/data/Account/{accounts['acme ltd']}").status_code == 200
    assert by({"filters[account]": "Acme"}) == {opps["Acme Corp"]}


def test_ref_filter_on_contact_primary_account(api: ApiClient) -> None:
    acme = create(api, "Account", name="Acme Corp")
    globex = create(api, "Account", name="Globex")
    at_acme = create(api, "Contact", last_name="One", primary_account_id=acme)
    create(api, "Contact", last_name="Two", primary_account_id=globex)
    create(api, "Contact", last_name="Three")
    assert ids(api, "Contact", {"filters[primary_account]": "acme"}) == {at_acme}
    assert ids(api, "Contact", {"filters[primary_account_id]": acme}) == {at_acme}


def test_ref_filter_on_a_person_target(api: ApiClient, admin: User, jane: User) -> None:
    mine = create(api, "Contact", last_name="Mine")
    hers = create(api, "Contact", last_name="Hers", assigned_user_id=jane.id)
    boss = create(api, "Contact", first_name="Walter", last_name="White")
    report = create(api, "Contact", last_name="Pinkman", reports_to_id=boss)

    def by(params: dict[str, str]) -> set[str]:
        return ids(api, "Contact", params)

    assert by({"filters[assigned_user]": "Jane"}) == {hers}
    assert by({"filters[assigned_user]": "doe"}) == {hers}
    assert by({"filters[assigned_user]": "Jane Doe"}) == {hers}
    assert by({"filters[assigned_user]": "Jane Smith"}) == set()
    assert by({"filters[assigned_user]": "Administrator"}) == {mine, boss, report}
    assert by({"filters[assigned_user_id]": jane.id}) == {hers}
    assert by({"filters[assigned_user_id]": admin.id}) == {mine, boss, report}
    assert by({"filters[reports_to]": "Walter W"}) == {report}
    assert by({"filters[created_by_user]": "Admin"}) == {mine, hers, boss, report}


def test_parent_filter_needs_the_id(api: ApiClient) -> None:
    account = create(api, "Account", name="Acme")
    task = create(api, "Task", name="Call back", parent_type="Account", parent_id=account)
    create(api, "Task", name="Unrelated")
    assert ids(api, "Task", {"filters[parent_id]": account}) == {task}
    bad_request(api, "Task", {"filters[parent]": "Acme"}, "parent")


# -- any_email ------------------------------------------------------------------------------


def test_any_email_matches_either_address_by_prefix(api: ApiClient) -> None:
    first = create(api, "Contact", last_name="A", email1="sales@acme.example")
    second = create(
        api, "Contact", last_name="B", email1="info@b.example", email2="Sales@other.example"
    )
    create(
        api, "Contact", last_name="C", email1="presales@c.example", email2="team.sales@c.example"
    )
    create(api, "Contact", last_name="D")
    assert ids(api, "Contact", {"filters[any_email]": "sales"}) == {first, second}
    assert ids(api, "Contact", {"filters[any_email]": "SALES@ACME"}) == {first}
    assert ids(api, "Contact", {"filters[any_email]": "info@b.example"}) == {second}
    assert ids(api, "Contact", {"filters[any_email]": "acme.example"}) == set()
    account = create(
        api, "Account", name="Supplier", account_type="Supplier", email2="sales@1crm.example"
    )
    create(api, "Account", name="Customer", account_type="Customer", email1="sales@cust.example")
    assert ids(api, "Account", "filters[account_type]=Supplier&filters[any_email]=sales") == {
        account
    }


# -- bool -----------------------------------------------------------------------------------


def test_bool_filter(api: ApiClient) -> None:
    made = {
        True: {create(api, "Contact", last_name="Quiet", do_not_call=True)},
        False: {
            create(api, "Contact", last_name="Loud1", do_not_call=False),
            create(api, "Contact", last_name="Loud2"),
        },
    }
    for value, flag in (
        ("yes", True),
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("no", False),
        ("0", False),
        ("false", False),
        ("False", False),
    ):
        assert ids(api, "Contact", {"filters[do_not_call]": value}) == made[flag], value


def test_bool_filter_rejects_other_words(api: ApiClient) -> None:
    bad_request(api, "Contact", {"filters[do_not_call]": "maybe"}, "do_not_call")
    bad_request(api, "Contact", "filters[do_not_call][]=1", "do_not_call")


# -- numbers ---------------------------------------------------------------------------------

NUMBER_CASES = [
    ({"filters[employees]": "20"}, {20}),
    ({"filters[employees]": "20", "filters[employees-operator]": "eq"}, {20}),
    ({"filters[employees]": "20", "filters[employees-operator]": "lt"}, {10}),
    ({"filters[employees]": "20", "filters[employees-operator]": "lte"}, {10, 20}),
    ({"filters[employees]": "20", "filters[employees-operator]": "gt"}, {30}),
    ({"filters[employees]": "20", "filters[employees-operator]": "gte"}, {20, 30}),
    (
        {
            "filters[employees]": "15",
            "filters[employees-operator]": "between",
            "filters[employees-end]": "30",
        },
        {20, 30},
    ),
    (
        {
            "filters[employees]": "10",
            "filters[employees-operator]": "between",
            "filters[employees-end]": "10",
        },
        {10},
    ),
    ({"filters[employees]": "-5", "filters[employees-operator]": "gt"}, {10, 20, 30}),
    ({"filters[employees-operator]": "not_empty"}, {10, 20, 30}),
    ({"filters[employees-operator]": "empty"}, {None}),
]


def test_number_filter(api: ApiClient) -> None:
    for i, employees in enumerate([10, 20, 30, None]):
        create(api, "Account", name=f"A{i}", employees=employees)
    for params, expected in NUMBER_CASES:
        rows = listing(api, "Account", {**params, "fields[]": "employees"})
        assert sorted(row["employees"] for row in rows) == sorted(expected), params


def test_number_filter_not_eq(api: ApiClient) -> None:
    for i, employees in enumerate([10, 20, 30, 20]):
        create(api, "Account", name=f"A{i}", employees=employees)
    rows = listing(
        api,
        "Account",
        {
            "filters[employees]": "20",
            "fields[]": "employees",
            "filters[employees-operator]": "not_eq",
        },
    )
    assert sorted(row["employees"] for row in rows) == [10, 30]


def test_number_filter_on_currency(api: ApiClient) -> None:
    for name, amount in (("small", 99.99), ("mid", 100.5), ("big", 200)):
        create(api, "Opportunity", name=name, date_closed="2024-01-01", amount=amount)

    def by(params: dict[str, str]) -> set[str]:
        return names(api, "Opportunity", params)

    assert by({"filters[amount]": "100.50"}) == {"mid"}
    assert by({"filters[amount]": "100.5", "filters[amount-operator]": "gte"}) == {"mid", "big"}
    assert by({"filters[amount]": "100.5", "filters[amount-operator]": "lt"}) == {"small"}
    assert by(
        {
            "filters[amount]": "99.99",
            "filters[amount-operator]": "between",
            "filters[amount-end]": "100.5",
        }
    ) == {"small", "mid"}


NUMBER_ERRORS = [
    ({"filters[employees]": "abc"}, "employees"),
    ({"filters[employees]": "1.5"}, "employees"),
    ({"filters[employees]": "9" * 30}, "employees"),
    ({"filters[employees]": "10", "filters[employees-operator]": "like"}, "like"),
    ({"filters[employees]": "10", "filters[employees-operator]": "between"}, "employees"),
    (
        {
            "filters[employees]": "10",
            "filters[employees-operator]": "between",
            "filters[employees-end]": "x",
        },
        "employees",
    ),
    ({"filters[employees-operator]": "gt"}, "employees"),
    ({"filters[amount]": "1.234"}, "amount"),
]


def test_number_filter_errors(api: ApiClient) -> None:
    for params, word in NUMBER_ERRORS:
        model = "Opportunity" if "filters[amount]" in params else "Account"
        bad_request(api, model, params, word)


# -- filter_owner ----------------------------------------------------------------------------


def test_filter_owner(api: ApiClient, jane_api: ApiClient, jane: User) -> None:
    mine = {create(api, "Contact", last_name="Mine1"), create(api, "Contact", last_name="Mine2")}
    hers = {
        create(api, "Contact", last_name="Hers", assigned_user_id=jane.id),
        create(jane_api, "Contact", last_name="Hers2"),
    }
    assert ids(api, "Contact", {"filters[filter_owner]": "all"}) == mine | hers
    assert ids(api, "Contact", {"filters[filter_owner]": "mine"}) == mine
    assert ids(api, "Contact", {"filters[filter_owner]": "not_mine"}) == hers
    # "mine" is whoever asks
    assert ids(jane_api, "Contact", {"filters[filter_owner]": "mine"}) == hers
    assert ids(jane_api, "Contact", {"filters[filter_owner]": "not_mine"}) == mine
    bad_request(api, "Contact", {"filters[filter_owner]": "everyone"}, "filter_owner")


# -- unknown names and combined filters ------------------------------------------------------

UNKNOWN_FILTERS = [
    ({"filters[frist_name]": "x"}, "frist_name"),
    ({"filters[frist_name-operator]": "on_date"}, "frist_name"),
    ({"filters[description]": "x"}, "description"),
    ({"filters[first_name-operator]": "eq", "filters[first_name]": "J"}, "first_name"),
    ({"filters": "x"}, "filters"),
    ({"filters[first_name][a]": "x"}, "first_name"),
]


def test_unknown_or_malformed_filters(api: ApiClient) -> None:
    for params, word in UNKNOWN_FILTERS:
        bad_request(api, "Contact", params, word)


def test_filters_combine_with_and(api: ApiClient) -> None:
    hit = create(api, "Contact", first_name="John", last_name="Smith", do_not_call=True)
    create(api, "Contact", first_name="John", last_name="Jones", do_not_call=True)
    create(api, "Contact", first_name="John", last_name="Smith")
    create(api, "Contact", first_name="Anna", last_name="Smith", do_not_call=True)
    assert ids(
        api,
        "Contact",
        {"filters[first_name]": "john", "filters[last_name]": "smi", "filters[do_not_call]": "1"},
    ) == {hit}
    assert ids(
        api,
        "Contact",
        {"filter_text": "john", "filters[last_name]": "smi", "filters[do_not_call]": "yes"},
    ) == {hit}


# -- order -----------------------------------------------------------------------------------

PEOPLE = [
    ("Carl", "adams"),
    ("bob", "Baker"),
    ("Alice", "Baker"),
    ("Dora", "Clark"),
    ("alan", "Adams"),
    ("Eve", "baker"),
]


@pytest.fixture
def people(api: ApiClient) -> dict[tuple[str, str], str]:
    return {(f, last): create(api, "Contact", first_name=f, last_name=last) for f, last in PEOPLE}


def ordered(api: ApiClient, order: str) -> list[tuple[str, str]]:
    rows = listing(api, "Contact", {"order": order})
    return [(row["first_name"], row["last_name"]) for row in rows]


def by_key(*keys: tuple[int, bool]) -> list[tuple[str, str]]:
    """PEOPLE sorted case-insensitively by (index, descending) keys, last key first."""
    out = list(PEOPLE)
    for index, desc in reversed(keys):
        out.sort(key=lambda p: p[index].lower(), reverse=desc)
    return out


def test_order_by_name_is_last_then_first(api: ApiClient, people: dict[Any, str]) -> None:
    assert ordered(api, "name") == by_key((1, False), (0, False))
    assert ordered(api, "name desc") == by_key((1, True), (0, True))


def test_order_multiple_keys(api: ApiClient, people: dict[Any, str]) -> None:
    assert ordered(api, "last_name, first_name desc") == by_key((1, False), (0, True))
    assert ordered(api, "last_name desc,first_name") == by_key((1, True), (0, False))
    assert ordered(api, "first_name") == by_key((0, False))
    assert ordered(api, "first_name DESC") == by_key((0, True))


def test_order_numbers_and_dates(api: ApiClient) -> None:
    for name, employees in (("b", 5), ("a", 50), ("c", 7)):
        create(api, "Account", name=name, employees=employees)
    rows = listing(api, "Account", {"order": "employees desc", "fields[]": "employees"})
    assert [r["employees"] for r in rows] == [50, 7, 5]
    for name, day in (("x", "2024-03-01"), ("y", "2023-12-31"), ("z", "2024-01-15")):
        create(api, "Opportunity", name=name, date_closed=day)
    rows = listing(api, "Opportunity", {"order": "date_closed"})
    assert [r["name"] for r in rows] == ["y", "z", "x"]


def test_bad_order(api: ApiClient) -> None:
    for order, word in (
        ("last_nam", "last_nam"),
        ("last_name desc, bogus", "bogus"),
        ("primary_account", "primary_account"),  # a ref is not a column
        ("last_name sideways", "last_name sideways"),
        ("last_name desc asc", "last_name desc asc"),
    ):
        bad_request(api, "Contact", {"order": order}, word)


# -- paging ----------------------------------------------------------------------------------


def test_paging(api: ApiClient) -> None:
    for i in range(25):
        create(api, "Account", name=f"Account {i:02d}")
    full = [r["id"] for r in api.get("/data/Account", params={"limit": 200}).json()["records"]]
    assert len(full) == 25
    default = api.get("/data/Account").json()
    assert default["total_results"] == 25
    assert [r["id"] for r in default["records"]] == full[:20]
    paged: list[str] = []
    for offset in range(0, 30, 7):
        page = api.get("/data/Account", params={"offset": offset, "limit": 7}).json()
        assert page["total_results"] == 25
        paged += [r["id"] for r in page["records"]]
    assert paged == full
    beyond = api.get("/data/Account", params={"offset": 100}).json()
    assert beyond == {"records": [], "total_results": 25, "next_cursor": None}
    one = api.get("/data/Account", params={"limit": 1, "offset": 24}).json()
    assert [r["id"] for r in one["records"]] == full[24:]
    assert len(api.get("/data/Account?limit=200").json()["records"]) == 25


def test_bad_paging(api: ApiClient) -> None:
    for params, word in (
        ({"limit": "0"}, "limit"),
        ({"limit": "500"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "abc"}, "offset"),
        ({"limit": "9" * 40}, "limit"),
    ):
        bad_request(api, "Account", params, word)


def test_limit_bounds_are_accepted(api: ApiClient) -> None:
    create(api, "Account", name="Only")
    for limit in ("1", "200"):
        assert api.get("/data/Account", params={"limit": limit}).json()["total_results"] == 1


# -- dates -----------------------------------------------------------------------------------

FISCAL_START = 11  # fiscal quarters Nov-Jan, Feb-Apr, ...: neither calendar quarters nor years


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def in_period(day: date, period: str, shift: int, today: date, fiscal: int) -> bool:
    """Whether `day` lies in the previous/current/next (shift -1/0/1) period: an oracle
    written independently of amity.core.dates."""
    if period == "day":
        return day == today + timedelta(days=shift)
    if period == "week":  # ISO weeks start on Monday
        return day.isocalendar()[:2] == (today + timedelta(weeks=shift)).isocalendar()[:2]
    if period == "month":
        return month_index(day) == month_index(today) + shift
    if period == "quarter":
        return month_index(day) // 3 == month_index(today) // 3 + shift
    if period == "year":
        return day.year == today.year + shift
    if period.startswith("fiscal_"):
        size = 3 if period == "fiscal_quarter" else 12
        return (month_index(day) - (fiscal - 1)) // size == (
            month_index(today) - (fiscal - 1)
        ) // size + shift
    n = int(period.removeprefix("days_"))
    last = today + timedelta(days=n * shift)
    return last - timedelta(days=n) < day <= last


def sample_days(today: date) -> list[date]:
    """Every day within 40 of today, and the first and last day of 27 months either side."""
    days = {today + timedelta(days=k) for k in range(-40, 41)}
    first = date(today.year, today.month, 1)
    for k in range(-27, 28):
        index = month_index(first) + k
        start = date(index // 12, index % 12 + 1, 1)
        nxt = month_index(start) + 1
        days.add(start)
        days.add(date(nxt // 12, nxt % 12 + 1, 1) - timedelta(days=1))
    return sorted(days)


DATE_TARGETS = {
    # model: (field, is_datetime, nullable, extra data)
    "aCase": ("date_closed", False, True, {}),
    "Opportunity": ("date_closed", False, False, {}),
    "Task": ("date_due", True, True, {}),
    "Call": ("date_start", True, False, {}),
}


class DatedRecords:
    """Records of one model whose date field is set to sample days around today."""

    def __init__(self, services: Services, admin: User, model: str) -> None:
        self.model = model
        self.field, self.is_datetime, nullable, extra = DATE_TARGETS[model]
        self.today = clock.today()
        self.day_of: dict[str, date | None] = {}
        rows: list[dict[str, Any]] = []
        days: list[date | None] = []
        for day in sample_days(self.today):
            stamps = (
                [f"{day} 00:00:00", f"{day} 23:59:59"] if self.is_datetime else [day.isoformat()]
            )
            for stamp in stamps:
                rows.append({"name": f"{model} {stamp}", self.field: stamp, **extra})
                days.append(day)
        if nullable:
            rows.append({"name": f"{model} without date", **extra})
            days.append(None)
        created = bulk_create(services, admin, model, rows)
        self.day_of = dict(zip(created, days, strict=True))

    def where(self, test: Any) -> set[str]:
        return {rid for rid, day in self.day_of.items() if day is not None and test(day)}

    def nulls(self) -> set[str]:
        return {rid for rid, day in self.day_of.items() if day is None}

    def cases(self, fiscal: int) -> list[tuple[dict[str, str], set[str]]]:
        """(filters, expected ids) for every operator and period."""
        f, t = self.field, self.today
        one = timedelta(days=1)
        start, end = t - timedelta(days=3), t + timedelta(days=5)
        out: list[tuple[dict[str, str], set[str]]] = [
            ({f: str(t)}, self.where(lambda d: d == t)),
            ({f: str(t - one), f"{f}-operator": "on_date"}, self.where(lambda d: d == t - one)),
            ({f: str(t), f"{f}-operator": "before_date"}, self.where(lambda d: d < t)),
            ({f: str(t), f"{f}-operator": "after_date"}, self.where(lambda d: d > t)),
            ({f: str(t), f"{f}-operator": "not_on_date"}, self.where(lambda d: d != t)),
            (
                {f: str(start), f"{f}-end": str(end), f"{f}-operator": "between_dates"},
                self.where(lambda d: start <= d <= end),
            ),
            (
                {f: str(t), f"{f}-end": str(t), f"{f}-operator": "between_dates"},
                self.where(lambda d: d == t),
            ),
            ({f"{f}-operator": "empty"}, self.nulls()),
            ({f"{f}-operator": "not_empty"}, self.where(lambda d: True)),
            ({f"{f}-operator": "yesterday"}, self.where(lambda d: d == t - one)),
            ({f"{f}-operator": "today"}, self.where(lambda d: d == t)),
            ({f"{f}-operator": "tomorrow"}, self.where(lambda d: d == t + one)),
            # a datetime value after the date part is ignored
            ({f: f"{t} 13:45:00"}, self.where(lambda d: d == t)),
        ]
        periods = [
            "day",
            "week",
            "month",
            "quarter",
            "year",
            "fiscal_quarter",
            "fiscal_year",
            "days_1",
            "days_7",
            "days_30",
        ]
        for which, shift in (("period_prev", -1), ("period_current", 0), ("period_next", 1)):
            for period in periods:
                out.append(
                    (
                        {f"{f}-operator": which, f"{f}-period": period},
                        self.where(lambda d, p=period, s=shift: in_period(d, p, s, t, fiscal)),
                    )
                )
        return out


def bulk_create(
    services: Services, admin: User, model: str, rows: list[dict[str, Any]]
) -> list[str]:
    records = services.records
    create_many = getattr(records, "create_many", None)
    if create_many is not None:
        return list(create_many(admin.actor, model, rows))
    return [records.create(admin.actor, model, row) for row in rows]


class TestDateFilters:
    """Every date operator on date and datetime fields, with a fiscal year from November."""

    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(
            database_url=database_url, log_level="WARNING", fiscal_year_start_month=FISCAL_START
        )

    @pytest.mark.parametrize("model", list(DATE_TARGETS))
    def test_every_operator_and_period(
        self, api: ApiClient, services: Services, admin: User, model: str
    ) -> None:
        dated = DatedRecords(services, admin, model)
        failures = []
        for filters, expected in dated.cases(FISCAL_START):
            params = {f"filters[{k}]": v for k, v in filters.items()}
            got = ids(api, model, params)
            if got != expected:
                missing = sorted(str(dated.day_of[i]) for i in expected - got)
                extra = sorted(str(dated.day_of[i]) for i in got - expected)
                failures.append(f"{filters}: missing {missing[:5]} extra {extra[:5]}")
        assert not failures, "\n".join(failures)

    def test_fiscal_periods_follow_the_setting(
        self, api: ApiClient, services: Services, admin: User
    ) -> None:
        """With a November start the fiscal windows differ from the calendar ones."""
        dated = DatedRecords(services, admin, "aCase")
        f = dated.field

        def window(period: str) -> set[str]:
            return ids(
                api,
                "aCase",
                {f"filters[{f}-operator]": "period_current", f"filters[{f}-period]": period},
            )

        assert window("fiscal_year") != window("year")
        assert window("fiscal_quarter") != window("quarter")
        assert window("fiscal_year") == dated.where(
            lambda d: in_period(d, "fiscal_year", 0, dated.today, FISCAL_START)
        )

    def test_datetime_day_boundaries(self, api: ApiClient) -> None:
        today = clock.today()
        one = timedelta(days=1)
        stamps = {
            "late yesterday": datetime.combine(today - one, datetime.max.time()),
            "midnight": datetime.combine(today, datetime.min.time()),
            "late today": datetime.combine(today, datetime.max.time()),
            "midnight tomorrow": datetime.combine(today + one, datetime.min.time()),
        }
        for name, stamp in stamps.items():
            create(api, "Task", name=name, date_due=stamp.strftime("%Y-%m-%d %H:%M:%S"))

        def by(params: dict[str, str]) -> set[str]:
            return names(api, "Task", {f"filters[date_due{k}]": v for k, v in params.items()})

        assert by({"-operator": "today"}) == {"midnight", "late today"}
        assert by({"": str(today)}) == {"midnight", "late today"}
        assert by({"": str(today), "-operator": "before_date"}) == {"late yesterday"}
        assert by({"": str(today), "-operator": "after_date"}) == {"midnight tomorrow"}
        assert by({"": str(today - one), "-end": str(today), "-operator": "between_dates"}) == {
            "late yesterday",
            "midnight",
            "late today",
        }


def test_fiscal_periods_default_to_the_calendar(
    api: ApiClient, services: Services, admin: User
) -> None:
    dated = DatedRecords(services, admin, "aCase")
    f = dated.field
    for which, shift in (("period_prev", -1), ("period_current", 0), ("period_next", 1)):
        for fiscal, calendar in (("fiscal_year", "year"), ("fiscal_quarter", "quarter")):
            got = ids(
                api, "aCase", {f"filters[{f}-operator]": which, f"filters[{f}-period]": fiscal}
            )
            assert got == dated.where(
                lambda d, c=calendar, s=shift: in_period(d, c, s, dated.today, 1)
            ), (which, fiscal)


DATE_ERRORS = [
    ({"date_closed": "2024-13-01"}, ["date_closed", "2024-13-01"]),
    ({"date_closed": "31/01/2024"}, ["date_closed"]),
    ({"date_closed": "yesterday"}, ["date_closed"]),
    ({"date_closed": "2024-02-30", "date_closed-operator": "before_date"}, ["date_closed"]),
    ({"date_closed-operator": "before_date"}, ["date_closed"]),
    ({"date_closed-operator": "on_date"}, ["date_closed"]),
    ({"date_closed-operator": "in_date"}, ["in_date"]),
    (
        {"date_closed": "2024-01-01", "date_closed-operator": "between_dates"},
        ["date_closed", "end"],
    ),
    (
        {
            "date_closed": "2024-01-01",
            "date_closed-operator": "between_dates",
            "date_closed-end": "2024-1-5",
        },
        ["date_closed"],
    ),
    (
        {
            "date_closed": "2024-02-01",
            "date_closed-operator": "between_dates",
            "date_closed-end": "2024-01-01",
        },
        ["date_closed"],
    ),
    ({"date_closed-operator": "period_current"}, ["date_closed", "period"]),
    ({"date_closed-operator": "period_next", "date_closed-period": "fortnight"}, ["fortnight"]),
    ({"date_closed-operator": "period_prev", "date_closed-period": "days_0"}, ["days_0"]),
    ({"date_closed-operator": "period_prev", "date_closed-period": "days_x"}, ["days_x"]),
    ({"date_closed-operator": "period_prev", "date_closed-period": "days_99999"}, ["days_99999"]),
]


def test_date_filter_errors(api: ApiClient) -> None:
    for filters, words in DATE_ERRORS:
        params = {f"filters[{k}]": v for k, v in filters.items()}
        bad_request(api, "Opportunity", params, *words)


def test_date_filter_list_values_are_rejected(api: ApiClient) -> None:
    bad_request(api, "Opportunity", "filters[date_closed][]=2024-01-01", "date_closed")
    bad_request(api, "Opportunity", "filters[date_closed-operator][]=today", "date_closed")
    bad_request(
        api,
        "Opportunity",
        "filters[date_closed-period][]=day&filters[date_closed-operator]=period_current",
        "date_closed",
    )


@pytest.mark.parametrize("model", ["Opportunity", "Task"])
def test_extreme_dates(api: ApiClient, model: str) -> None:
    field = "date_closed" if model == "Opportunity" else "date_due"
    last = "9999-12-31" if model == "Opportunity" else "9999-12-31 23:59:59"
    first = "0001-01-01" if model == "Opportunity" else "0001-01-01 00:00:00"
    extra = {"date_closed": "2024-01-01"} if model == "Opportunity" else {}
    create(api, model, **{**extra, "name": "last", field: last})
    create(api, model, **{**extra, "name": "first", field: first})
    now = str(clock.today()) + ("" if model == "Opportunity" else " 12:00:00")
    create(api, model, **{**extra, "name": "now", field: now})

    def by(value: str, operator: str, end: str | None = None) -> set[str]:
        params = {f"filters[{field}]": value, f"filters[{field}-operator]": operator}
        if end:
            params[f"filters[{field}-end]"] = end
        return names(api, model, params)

    assert by("9999-12-31", "on_date") == {"last"}
    assert by("9999-12-31", "after_date") == set()
    assert by("9999-12-31", "before_date") == {"first", "now"}
    assert by("9999-12-31", "not_on_date") == {"first", "now"}
    assert by("2000-01-01", "between_dates", "9999-12-31") == {"now", "last"}
    assert by("0001-01-01", "on_date") == {"first"}
    assert by("0001-01-01", "before_date") == set()
    assert by("0001-01-01", "after_date") == {"now", "last"}
