"""Lists, home and calendar in-process: filters by kind, bad filter values, favorites, the
CSV export, and that export, home and calendar show only what the access rules allow."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from amity.core.clock import utcnow
from amity.core.records import ListQuery
from tests.conftest import ApiClient
from tests.web.test_pages import browser, csrf_of, sign_in, web  # noqa: F401
from tests.web.world import WebWorld

SELECT = re.compile(
    r'<select id="filter-[^"]*" name="([^"]+)"(?![^>]*multiple)[^>]*>\s*<option value="([^"]*)"'
)
DUE_LAYOUT = {
    "columns": ["name", "status", "date_due", "effort_estim"],
    "filters": ["filter_text", "status", "date_due", "effort_estim", "contact", "is_private"],
    "order_by": "name",
}


def _due_layout(site: WebWorld) -> None:
    site.world.services.layouts.put(site.world.admin, "Task", "list", "Due", DUE_LAYOUT)


def _ids(html: str) -> set[str]:
    return set(re.findall(r'<tr data-id="([^"]+)"', html))


def test_filters_are_inputs_by_kind(browser: ApiClient, web: WebWorld) -> None:  # noqa: F811
    _due_layout(web)
    sign_in(browser, web, "admin")
    html = browser.get("/app/Task?layout=Due").text
    assert re.search(r'<select id="filter-status" name="status">', html)  # a picklist
    assert 'value="In Progress"' in html
    assert re.search(r'name="date_due-operator"', html)  # a date with its operators
    assert 'value="after_date"' in html and 'type="date"' in html
    assert re.search(r'name="effort_estim-operator"', html)  # a number with its operators
    assert 'data-lookup-model="Contact"' in html  # a ref found by name
    assert re.search(r'<select id="filter-is_private" name="is_private">', html)  # yes/no


def test_a_picklist_and_a_date_operator_filter_the_list(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    _due_layout(web)
    w = web.world
    hit = w.create(
        "Task", {"name": "Flt hit", "status": "In Progress", "date_due": "2031-05-10 09:00:00"}
    )
    w.create("Task", {"name": "Flt done", "status": "Completed", "date_due": "2031-05-10 09:00:00"})
    w.create(
        "Task", {"name": "Flt early", "status": "In Progress", "date_due": "2029-05-10 09:00:00"}
    )
    contact = w.create("Contact", {"last_name": "Refname"})
    by_ref = w.create("Task", {"name": "Flt ref", "contact_id": contact})
    sign_in(browser, web, "admin")
    answer = browser.get(
        "/app/Task?layout=Due&filter_text=Flt&status=In+Progress"
        "&date_due-operator=after_date&date_due=2030-01-01"
    )
    assert answer.status_code == 200
    assert _ids(answer.text) == {hit}
    assert 'value="2030-01-01"' in answer.text  # the form keeps what was asked
    assert _ids(browser.get("/app/Task?layout=Due&filter_text=Flt&contact=Refn").text) == {by_ref}
    empty = "/app/Task?layout=Due&filter_text=Flt&date_due-operator=on_date&date_due="
    assert len(_ids(browser.get(empty).text)) == 4  # an operator without a date: no filter


def test_bad_filter_values_are_a_400_never_a_500(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    _due_layout(web)
    sign_in(browser, web, "admin")
    for query in (
        "layout=Due&date_due=31.12.2030",
        "layout=Due&date_due-operator=between_dates&date_due=2030-01-02",
        "layout=Due&date_due-operator=period_current",
        "layout=Due&date_due-operator=sometime&date_due=2030-01-01",
        "layout=Due&effort_estim=lots",
        "layout=Due&status=Nope",
        "layout=Due&is_private=perhaps",
        "filter_owner=everyone",
        "order=no_such_field",
        "layout=Nope",
    ):
        answer = browser.get(f"/app/Task?{query}")
        assert answer.status_code == 400, query
        assert "list-error" in answer.text or "<h1" in answer.text
    kept = browser.get("/app/Task?layout=Due&date_due=31.12.2030")
    assert 'id="list-error"' in kept.text and 'value="31.12.2030"' in kept.text
    assert browser.get("/app/export/Task?layout=Due&effort_estim=lots").status_code == 400
    assert browser.get("/app/calendar?date=tomorrow").status_code == 400
    assert browser.get("/app/calendar?view=year").status_code == 400


def test_favorites_toggle_and_favorites_only(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    sign_in(browser, web, "alice")
    contact = web.ids["contact"]
    listed = browser.get("/app/Contact?filter_text=Portal").text
    token = csrf_of(listed)
    assert browser.post(f"/app/Contact/{contact}/favorite", data={}).status_code == 403
    answer = browser.post(
        f"/app/Contact/{contact}/favorite",
        data={"csrf_token": token, "next": "/app/Contact?filter_text=Portal"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/Contact?filter_text=Portal"
    assert _ids(browser.get("/app/Contact?favorites=1").text) == {contact}
    home = browser.get("/app/").text
    assert re.search(rf'id="favorites".*?/app/Contact/{contact}', home, re.S)
    elsewhere = browser.post(
        f"/app/Contact/{contact}/favorite",
        data={"csrf_token": token, "next": "https://evil.example/"},
    )
    assert elsewhere.headers["location"] == f"/app/Contact/{contact}"  # never another host
    assert _ids(browser.get("/app/Contact?favorites=1").text) == set()
    sign_in(browser, web, "carol")  # not hers to see: like a missing record
    token = csrf_of(browser.get("/app/Contact").text)
    answer = browser.post(f"/app/Contact/{contact}/favorite", data={"csrf_token": token})
    assert answer.status_code == 404


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_is_the_filtered_list_in_its_order(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    sign_in(browser, web, "admin")
    answer = browser.get("/app/export/Contact?filter_text=Pager&order=last_name&dir=desc&page=2")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = _csv(answer.text)
    header, body = rows[0], rows[1:]
    assert header[0] == "id" and "last_name" in header
    assert len(body) == 45  # every page, not the one the list showed
    last = header.index("last_name")
    assert body[0][last] == "Pager 44" and body[-1][last] == "Pager 00"
    html = browser.get("/app/Contact?filter_text=Pager&order=last_name&dir=desc&page=2").text
    link = re.search(r'href="([^"]*)" id="export-csv"', html)
    assert link and "filter_text=Pager" in link.group(1) and "page=" not in link.group(1)


def test_export_home_and_calendar_show_only_what_the_rules_allow(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    w = web.world
    soon = utcnow() + timedelta(days=2)
    when = soon.strftime("%Y-%m-%d %H:%M:%S")
    meeting = w.create("Meeting", {"name": "East sync", "date_start": when, "duration": 30})
    task = w.create("Task", {"name": "East chore", "status": "Not Started"})
    w.create("Task", {"name": "East done", "status": "Completed"})
    west = w.create(
        "Meeting",
        {"name": "West sync", "date_start": when, "assigned_user_id": w.users["carol"]},
    )
    day = soon.date().isoformat()

    sign_in(browser, web, "alice")
    browser.get(f"/app/Contact/{web.ids['contact']}")  # a view for her recently viewed
    home = browser.get("/app/").text
    assert re.search(rf'id="my-tasks".*?/app/Task/{task}', home, re.S)
    assert "East done" not in home
    upcoming = re.search(rf'id="upcoming".*?/app/Meeting/{meeting}.*?</li>', home, re.S)
    assert upcoming and f"{soon:%b} {soon.day}, {soon.year}" in upcoming.group(0)  # her format
    assert re.search(r'id="recent".*?Cora Portal', home, re.S)
    week = browser.get(f"/app/calendar?view=week&date={day}").text
    assert f"/app/Meeting/{meeting}" in week and west not in week

    sign_in(browser, web, "carol")  # team west never sees team east's records
    browser.get(f"/app/Contact/{web.ids['carols']}")
    home = browser.get("/app/").text
    assert task not in home and meeting not in home and "Cora Portal" not in home
    assert f"/app/Meeting/{west}" in home and "Carols" in home
    for view in ("week", "month"):
        page = browser.get(f"/app/calendar?view={view}&date={day}").text
        assert meeting not in page and f"/app/Meeting/{west}" in page
    exported = browser.get("/app/export/Contact").text
    assert web.ids["carols"] in exported and web.ids["contact"] not in exported
    assert "Portal" not in exported
    # a record she viewed that is no longer hers to see leaves her list
    w.services.records.update(
        w.admin, "Contact", web.ids["carols"], {"assigned_user_id": w.users["alice"]}
    )
    assert web.ids["carols"] not in browser.get("/app/").text


def test_calendar_month_navigation(browser: ApiClient, web: WebWorld) -> None:  # noqa: F811
    sign_in(browser, web, "alice")
    page = browser.get("/app/calendar?view=month&date=2031-01-15").text
    assert 'data-day="2031-02-02"' in page and 'data-day="2030-12-30"' in page  # whole weeks
    prev = re.search(r'href="([^"]*)" rel="prev"', page)
    nxt = re.search(r'href="([^"]*)" rel="next"', page)
    assert prev and "date=2030-12-01" in prev.group(1).replace("&amp;", "&")
    assert nxt and "date=2031-02-01" in nxt.group(1).replace("&amp;", "&")


def test_every_models_list_and_export_answer(browser: ApiClient, web: WebWorld) -> None:  # noqa: F811
    from amity.web.models import menu_models

    sign_in(browser, web, "admin")
    for model in menu_models(web.world.services, web.world.admin):
        listed = browser.get(f"/app/{model.name}")
        assert listed.status_code == 200, (model.name, listed.text[:500])
        exported = browser.get(f"/app/export/{model.name}")
        assert exported.status_code == 200, (model.name, exported.text[:500])
        assert exported.text.lstrip("\ufeff").startswith("id,")


def test_a_form_sent_as_it_is_shown_lists_everything(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    """Every filter of the model in the layout, the form sent with its first choices (what
    a browser sends untouched): no filter applies, every kind takes its blank value."""
    services, admin = web.world.services, web.world.admin
    sign_in(browser, web, "admin")
    for name in ("Task", "Contact"):
        model = services.records.model(name)
        body = {"columns": ["name"], "filters": list(model.filters)}
        services.layouts.put(admin, name, "list", "Every filter", body)
        html = browser.get(f"/app/{name}?layout=Every+filter").text
        sent: list[tuple[str, str]] = [("layout", "Every filter")]
        for select in SELECT.finditer(html):
            sent.append((select.group(1), select.group(2)))
        for field in re.finditer(r'<input id="filter-[^"]*" name="([^"]+)"', html):
            sent.append((field.group(1), ""))
        assert any(k.endswith("-operator") for k, _ in sent)
        answer = browser.get(f"/app/{name}", params=sent)
        assert answer.status_code == 200, (
            name,
            re.findall(r"list-error[^<]*>([^<]*)", answer.text),
        )
        total = services.records.list_records(admin, name, ListQuery(limit=1)).total_results
        assert f">{total} records<" in answer.text


def test_custom_option_filters_pick_by_option(
    browser: ApiClient,  # noqa: F811
    web: WebWorld,  # noqa: F811
) -> None:
    services, admin = web.world.services, web.world.admin
    services.models.create(
        admin,
        {
            "name": "Plan",
            "fields": [
                {"name": "tier", "type": "Select", "options": ["Basic", "Pro"]},
                {"name": "extras", "type": "MultiSelect", "options": ["Phone", "Mail", "Chat"]},
            ],
        },
    )
    model = services.records.model("Plan")
    tiers = {ch.label: ch.id for ch in model.fields["tier"].choices}
    extras = {ch.label: ch.id for ch in model.fields["extras"].choices}
    basic = web.world.create(
        "Plan", {"name": "P basic", "tier": tiers["Basic"], "extras": [extras["Phone"]]}
    )
    pro = web.world.create(
        "Plan", {"name": "P pro", "tier": tiers["Pro"], "extras": [extras["Mail"], extras["Chat"]]}
    )
    body = {"columns": ["name", "tier", "extras"], "filters": ["filter_text", "tier", "extras"]}
    services.layouts.put(admin, "Plan", "list", "Options", body)
    sign_in(browser, web, "admin")
    html = browser.get("/app/Plan?layout=Options").text
    assert f'<option value="{tiers["Pro"]}"' in html
    assert re.search(r'name="extras" multiple', html)
    assert _ids(browser.get(f"/app/Plan?layout=Options&tier={tiers['Pro']}").text) == {pro}
    chosen = f"extras={extras['Phone']}&extras={extras['Chat']}"
    assert _ids(browser.get(f"/app/Plan?layout=Options&{chosen}").text) == {basic, pro}
    assert _ids(browser.get(f"/app/Plan?layout=Options&extras={extras['Mail']}").text) == {pro}
    assert browser.get("/app/Plan?layout=Options&tier=999").status_code == 400
