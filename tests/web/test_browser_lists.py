"""Browser flows over lists, the home page and the calendar: filters by kind, sort and
paging that keep the filters, the favorite star and "favorites only", the CSV export,
home's tasks, meetings and recently viewed records, the calendar's week and month."""

from __future__ import annotations

import csv
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from amity.core.clock import utcnow
from tests.web.conftest import LiveSite, sign_in

LAYOUT = {
    "columns": ["name", "status", "date_due"],
    "filters": ["filter_text", "status", "date_due"],
    "order_by": "name",
}


def _tag() -> str:
    return "B" + uuid.uuid4().hex[:8]


def _task(site: LiveSite, name: str, status: str, due: str | None = None) -> str:
    data = {"name": name, "status": status, "assigned_user_id": site.world.world.users["admin"]}
    if due:
        data["date_due"] = due
    return site.world.world.create("Task", data)


def _due_layout(site: LiveSite) -> str:
    site.services.layouts.put(site.world.world.admin, "Task", "list", "Browser due", LAYOUT)
    return "/app/Task?layout=Browser+due"


def test_list_with_a_picklist_and_a_date_operator(admin_page: Any, live_site: LiveSite) -> None:
    page, tag = admin_page, _tag()
    hit = _task(live_site, f"{tag} late open", "In Progress", "2031-05-10 09:00:00")
    _task(live_site, f"{tag} late done", "Completed", "2031-05-10 09:00:00")
    _task(live_site, f"{tag} early open", "In Progress", "2029-05-10 09:00:00")
    page.goto(_due_layout(live_site))
    page.fill("#filter_text", tag)
    page.select_option("#filter-status", "In Progress")
    page.select_option("#filter-date_due-operator", "after_date")
    page.fill("#filter-date_due", "2030-01-01")
    page.click("#apply-filters")
    assert page.locator("#total").inner_text().startswith("1 ")
    assert page.locator("tbody tr").first.get_attribute("data-id") == hit
    assert page.input_value("#filter-status") == "In Progress"  # the form keeps the filter
    assert page.input_value("#filter-date_due-operator") == "after_date"
    page.select_option("#filter-date_due-operator", "before_date")
    page.click("#apply-filters")
    assert "early open" in page.locator("tbody").inner_text()


def test_sort_and_paging_keep_the_filters(admin_page: Any, live_site: LiveSite) -> None:
    page, tag = admin_page, _tag()
    for n in range(25):
        _task(live_site, f"{tag} open {n:02d}", "In Progress")
    for n in range(3):
        _task(live_site, f"{tag} done {n:02d}", "Completed")
    page.goto(_due_layout(live_site))
    page.fill("#filter_text", tag)
    page.select_option("#filter-status", "In Progress")
    page.click("#apply-filters")
    assert page.locator("#total").inner_text().startswith("25")
    page.click("th a.sort[data-field=name]")
    page.click("th a.sort[data-field=name]")  # again: descending
    assert f"{tag} open 24" in page.locator("tbody tr").first.inner_text()
    page.click("#next-page")
    assert page.locator("#page-of").inner_text() == "Page 2 of 2"
    assert page.locator("tbody tr").count() == 5
    assert f"{tag} open 04" in page.locator("tbody tr").first.inner_text()
    assert page.locator("#total").inner_text().startswith("25")  # still filtered
    assert page.input_value("#filter-status") == "In Progress"


def test_favorites_toggle_and_favorites_only(admin_page: Any, live_site: LiveSite) -> None:
    page, tag = admin_page, _tag()
    starred = live_site.world.world.create("Contact", {"last_name": f"{tag} Star"})
    live_site.world.world.create("Contact", {"last_name": f"{tag} Plain"})
    page.goto(f"/app/Contact?filter_text={tag}")
    assert page.locator("tbody tr").count() == 2
    page.click(f"tr[data-id='{starred}'] button.star")
    page.wait_for_url(re.compile(rf"filter_text={tag}"))
    assert page.get_attribute(f"tr[data-id='{starred}'] button.star", "aria-pressed") == "true"
    page.check("#favorites-only")
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"favorites=1"))
    assert page.locator("tbody tr").count() == 1
    assert page.locator("tbody tr").first.get_attribute("data-id") == starred
    page.click(f"tr[data-id='{starred}'] td:nth-child(2) a")  # to the record: unstar it there
    assert page.get_attribute("#favorite", "aria-pressed") == "true"
    page.click("#favorite")
    page.wait_for_selector("#favorite[aria-pressed=false]")
    page.goto(f"/app/Contact?filter_text={tag}&favorites=1")
    assert page.locator("tbody tr[data-id]").count() == 0


def test_csv_export_downloads_the_filtered_rows(admin_page: Any, live_site: LiveSite) -> None:
    page, tag = admin_page, _tag()
    for n in range(3):
        _task(live_site, f"{tag} open {n}", "In Progress")
    _task(live_site, f"{tag} done", "Completed")
    page.goto(_due_layout(live_site))
    page.fill("#filter_text", tag)
    page.select_option("#filter-status", "In Progress")
    page.click("#apply-filters")
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename == "Task.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    assert [row["name"] for row in rows] == [f"{tag} open {n}" for n in range(3)]
    assert {row["status"] for row in rows} == {"In Progress"}


def test_home_shows_my_task_meeting_and_recently_viewed(page: Any, live_site: LiveSite) -> None:
    tag, world = _tag(), live_site.world.world
    bob = world.users["bob"]
    soon = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    task = world.create(
        "Task", {"name": f"{tag} chore", "status": "Not Started", "assigned_user_id": bob}
    )
    meeting = world.create(
        "Meeting", {"name": f"{tag} sync", "date_start": soon, "assigned_user_id": bob}
    )
    contact = world.create("Contact", {"last_name": f"{tag} Seen", "assigned_user_id": bob})
    sign_in(page, "bob", live_site.world.passwords["bob"])
    page.goto(f"/app/Contact/{contact}")
    page.goto("/app/")
    assert page.locator(f"#my-tasks a[href='/app/Task/{task}']").is_visible()
    assert page.locator(f"#upcoming a[href='/app/Meeting/{meeting}']").is_visible()
    assert page.locator("#recent li").first.inner_text() == f"{tag} Seen"
    page.click(f"#upcoming a[href='/app/Meeting/{meeting}']")
    assert page.locator("#record-name").inner_text() == f"{tag} sync"


def test_calendar_week_shows_a_meeting_and_month_navigation(page: Any, live_site: LiveSite) -> None:
    tag, world = _tag(), live_site.world.world
    meeting = world.create(
        "Meeting",
        {
            "name": f"{tag} review",
            "date_start": "2031-03-12 10:00:00",
            "duration": 60,
            "assigned_user_id": world.users["bob"],
        },
    )
    sign_in(page, "bob", live_site.world.passwords["bob"])
    page.click("#nav-calendar")
    page.goto("/app/calendar?view=week&date=2031-03-12")
    day = page.locator("td[data-day='2031-03-12']")
    assert f"{tag} review" in day.inner_text()
    page.click("#cal-month")
    assert page.locator("#calendar-title").inner_text() == "March 2031"
    page.click("#cal-next")
    assert page.locator("#calendar-title").inner_text() == "April 2031"
    page.click("#cal-prev")
    page.click("#cal-prev")
    assert page.locator("#calendar-title").inner_text() == "February 2031"
    page.click("#cal-next")
    page.click(f"a[href='/app/Meeting/{meeting}']")
    assert page.locator("#record-name").inner_text() == f"{tag} review"
