"""Reports over the API on the real job engine: grouped runs agree with the same numbers
worked out from /data (for the admin and for a restricted user, whose run holds only
what they may read), runs page and export to CSV and XLSX that a reader opens with the
same rows, formula-looking text stays text, sharing decides who sees a report, max_keep
keeps the newest runs, and a scheduled report runs when its time comes (a fake clock)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from amity.core.reports import tasks as report_tasks
from amity.core.services import Services
from tests.api.acl_world import World, build_world
from tests.api.test_changes import settle
from tests.conftest import ApiClient, User

STAGES = ["Prospecting", "Qualification", "Closed Won"]
SOURCES = ["Cold Call", "Web Site"]
FORMULAS = ['=HYPERLINK("http://x")', "+1 555", "-rm", "@SUM(A1)"]


@pytest.fixture
def world(services: Services, admin: User) -> World:
    """build_world's company, and opportunities of alice (owner), bob (her teammate) and
    carol (another team) with amounts, probabilities, stages and sources."""
    world = build_world(services, admin)
    n = 0
    for owner in ("alice", "bob", "carol", "admin"):
        for stage in STAGES:
            for source in SOURCES:
                n += 1
                world.create(
                    "Opportunity",
                    {
                        "name": f"Deal {n}",
                        "assigned_user_id": world.users[owner],
                        "sales_stage": stage,
                        "lead_source": source,
                        "amount": f"{n * 101}.{n % 100:02d}",
                        "probability": n * 3,
                        "date_closed": "2031-01-01",
                    },
                )
    return world


def client(app: Any, token: str) -> ApiClient:
    return ApiClient(app, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def alice(app: Any, world: World) -> Iterator[ApiClient]:
    c = client(app, world.tokens["owner"])
    yield c
    c.close()


def define(api: ApiClient, **data: Any) -> str:
    resp = api.post("/reports", json={"data": {"primary_module": "Opportunity", **data}})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def run(api: ApiClient, services: Services, report_id: str, model: str = "Opportunity") -> str:
    """Start a run, let the job engine run it, and return its id."""
    resp = api.post(f"/reports/{model}/{report_id}/run")
    assert resp.status_code == 200, resp.text
    started = resp.json()
    assert started["status"] == "queued" and started["report_id"] == report_id
    services.jobs.drain()
    return str(started["id"])


def rows_of(api: ApiClient, run_id: str, model: str = "Opportunity") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        resp = api.get(f"/reports/data/{model}/{run_id}?offset={len(out)}&limit=7")
        assert resp.status_code == 200, resp.text
        page = resp.json()
        out += page["records"]
        if len(out) >= page["total_results"]:
            assert len(out) == page["total_results"]
            return out


def from_data(api: ApiClient) -> list[dict[str, Any]]:
    """Every opportunity the caller may read, through /data."""
    out: list[dict[str, Any]] = []
    while True:
        resp = api.get(
            "/data/Opportunity",
            params={
                "fields[]": ["sales_stage", "lead_source", "amount", "probability"],
                "offset": len(out),
                "limit": 50,
            },
        )
        page = resp.json()
        out += page["records"]
        if len(out) >= page["total_results"]:
            return out


def expected_groups(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["sales_stage"], r["lead_source"]), []).append(r)
    out = {}
    for key, members in groups.items():
        amounts = [Decimal(r["amount"]) for r in members if r["amount"] is not None]
        chances = [r["probability"] for r in members if r["probability"] is not None]
        cents = Decimal("0.01")
        out[key] = {
            "sales_stage": key[0],
            "lead_source": key[1],
            "count": len(members),
            "sum_amount": f"{sum(amounts):.2f}" if amounts else None,
            "avg_amount": str((sum(amounts) / len(amounts)).quantize(cents, ROUND_HALF_UP))
            if amounts
            else None,
            "min_amount": f"{min(amounts):.2f}" if amounts else None,
            "max_amount": f"{max(amounts):.2f}" if amounts else None,
            "sum_probability": sum(chances) if chances else None,
        }
    return out


GROUPED = {
    "name": "Pipeline",
    "groups": ["sales_stage", "lead_source"],
    "aggregates": [{"field": "amount", "function": f} for f in ("sum", "avg", "min", "max")]
    + [{"field": "probability", "function": "sum"}],
}


def test_grouped_runs_agree_with_data_for_admin_and_a_restricted_user(
    api: ApiClient, alice: ApiClient, services: Services, world: World
) -> None:
    report_id = define(api, **GROUPED, shared_with={"users": [world.users["alice"]]})
    as_admin = rows_of(api, run(api, services, report_id))
    assert {(r["sales_stage"], r["lead_source"]): r for r in as_admin} == expected_groups(
        from_data(api)
    )
    assert sum(r["count"] for r in as_admin) == 25  # 24 made here and build_world's deal

    # alice (staff: her team's records) runs the shared report with her own rights
    mine = rows_of(alice, run(alice, services, report_id))
    readable = from_data(alice)
    assert {(r["sales_stage"], r["lead_source"]): r for r in mine} == expected_groups(readable)
    assert sum(r["count"] for r in mine) == len(readable) < 25
    runs = api.get(f"/reports/Opportunity/{report_id}").json()
    assert runs["total_results"] == 2
    assert [r["run_by"] for r in runs["records"]] == [world.users["alice"], world.admin.user_id]
    newest = runs["records"][0]
    assert newest["archived"] is True and newest["status"] == "done"
    assert newest["record_count"] == len(mine) and newest["report"] == "Pipeline"
    assert newest["groups"] == ["sales_stage", "lead_source"]
    assert newest["full_name"] == "Pipeline #2"


def plain_report(api: ApiClient, world: World) -> str:
    for n, name in enumerate(FORMULAS):
        world.create(
            "Opportunity",
            {
                "name": name,
                "amount": f"-{n}.50",
                "probability": n,
                "account_id": world.ids["account"],
                "date_closed": "2031-01-01",
            },
        )
    return define(
        api,
        name="Plain: all deals",
        columns=["name", "account", "amount", "probability"],
        order="probability desc",
    )


def test_a_run_pages_and_its_exports_hold_the_same_rows(
    api: ApiClient, services: Services, world: World
) -> None:
    run_id = run(api, services, plain_report(api, world))
    rows = rows_of(api, run_id)
    assert len(rows) == 29
    chances = [r["probability"] for r in rows if r["probability"] is not None]
    assert chances == sorted(chances, reverse=True) and len(chances) == 28
    assert list(rows[0]) == ["id", "name", "account", "amount", "probability"]
    by_name = {r["name"]: r for r in rows}
    assert by_name[FORMULAS[1]]["account"] == "Acme" and by_name[FORMULAS[1]]["amount"] == "-1.50"

    resp = api.get(f"/reports/data/Opportunity/{run_id}?format=csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert table[0] == ["id", "name", "account", "amount", "probability"]
    assert len(table) == 30
    for line, row in zip(table[1:], rows, strict=True):
        name = row["name"]
        shown = "'" + name if name in FORMULAS else name
        chance = "" if row["probability"] is None else str(row["probability"])
        assert line == [row["id"], shown, row["account"] or "", row["amount"] or "", chance]

    resp = api.get(f"/reports/data/Opportunity/{run_id}?format=xlsx")
    assert resp.status_code == 200, resp.text
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in cells[0]] == ["id", "name", "account", "amount", "probability"]
    assert len(cells) == 30
    for line, row in zip(cells[1:], rows, strict=True):
        ident, name, account, amount, number = line
        assert ident.value == row["id"] and name.value == row["name"]
        assert name.data_type == "s"  # text, never a formula, even for "=HYPERLINK(...)"
        assert account.value == row["account"]
        if row["amount"] is not None:
            assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal(row["amount"])
        assert number.data_type == "n" and number.value == row["probability"]

    bad = api.get(f"/reports/data/Opportunity/{run_id}?format=pdf")
    assert bad.status_code == 400 and "format" in bad.json()["message"]


def test_sharing_decides_who_reads_and_only_owner_or_admin_change(
    app: Any, api: ApiClient, alice: ApiClient, services: Services, world: World
) -> None:
    report_id = define(alice, name="Alices deals", columns=["name", "amount"])
    run_id = run(alice, services, report_id)
    bob, carol = client(app, world.tokens["mate"]), client(app, world.tokens["other"])
    try:

        def seen_by(who: ApiClient) -> bool:
            listed = who.get("/reports/Opportunity").json()["records"]
            status = who.get(f"/reports/Opportunity/{report_id}").status_code
            assert status in (200, 404), status
            assert (report_id in {r["id"] for r in listed}) == (status == 200)
            return status == 200

        def runs_seen_by(who: ApiClient) -> list[str]:
            page = who.get(f"/reports/Opportunity/{report_id}").json()
            return [r["id"] for r in page["records"]]

        assert seen_by(alice) and seen_by(api)
        assert not seen_by(bob) and not seen_by(carol)
        assert runs_seen_by(alice) == runs_seen_by(api) == [run_id]
        east = next(t for t in services.acl.list_teams(world.admin) if t["name"] == "east")
        shared = {"shared_with": {"teams": [east["id"]], "users": [world.users["carol"]]}}
        assert (
            alice.patch(f"/reports/Opportunity/{report_id}", json={"data": shared}).status_code
            == 200
        )
        assert seen_by(bob) and seen_by(carol)
        # a run holds what its runner could read: a reader sees no one else's rows ...
        assert runs_seen_by(bob) == runs_seen_by(carol) == []
        assert bob.get(f"/reports/data/Opportunity/{run_id}").status_code == 404
        assert bob.get(f"/reports/data/Opportunity/{run_id}?format=csv").status_code == 404
        assert api.get(f"/reports/data/Opportunity/{run_id}").status_code == 200
        shown = alice.get("/reports/Opportunity").json()["records"][0]
        assert shown["shared_with"] == {"users": [world.users["carol"]], "teams": [east["id"]]}
        # readers may run it, only the owner and admins change or delete it
        # ... and runs it with their own rights, reading their own run
        bobs_run = run(bob, services, report_id)
        assert runs_seen_by(bob) == [bobs_run] and bobs_run in runs_seen_by(api)
        assert bobs_run not in runs_seen_by(alice)
        assert bob.get(f"/reports/data/Opportunity/{bobs_run}").status_code == 200
        assert alice.get(f"/reports/data/Opportunity/{bobs_run}").status_code == 404
        change = {"data": {"name": "Renamed"}}
        assert carol.patch(f"/reports/Opportunity/{report_id}", json=change).status_code == 403
        assert carol.delete(f"/reports/Opportunity/{report_id}").status_code == 403
        assert api.patch(f"/reports/Opportunity/{report_id}", json=change).status_code == 200
        assert alice.get("/reports/Opportunity").json()["records"][0]["name"] == "Renamed"
        # the path's model must be the report's
        assert alice.get(f"/reports/Contact/{report_id}").status_code == 404
        assert alice.delete(f"/reports/Opportunity/{report_id}").status_code == 200
        assert alice.get(f"/reports/Opportunity/{report_id}").status_code == 404
        assert alice.get(f"/reports/data/Opportunity/{run_id}").status_code == 404
    finally:
        bob.close()
        carol.close()


def test_max_keep_keeps_the_newest_runs(api: ApiClient, services: Services, world: World) -> None:
    report_id = define(api, name="Kept", columns=["name"], max_keep=2)
    first = run(api, services, report_id)
    run(api, services, report_id)
    run(api, services, report_id)
    runs = api.get(f"/reports/Opportunity/{report_id}").json()
    assert runs["total_results"] == 2
    assert [r["reportdata_number"] for r in runs["records"]] == [3, 2]
    assert api.get(f"/reports/data/Opportunity/{first}").status_code == 404


def test_a_scheduled_report_runs_when_its_time_comes(
    api: ApiClient, services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = datetime(2031, 3, 1, 6, 0, 0)
    report_id = define(
        api,
        name="Daily",
        columns=["name"],
        run_interval=1,
        run_interval_unit="days",
        next_run="2031-03-01 06:00:00",
    )
    shown = api.get("/reports/Opportunity").json()["records"][0]
    assert shown["run_method"] == "scheduled" and shown["next_run"] == "2031-03-01 06:00:00"

    def tick(moment: datetime) -> None:
        monkeypatch.setattr(report_tasks, "utcnow", lambda: moment)
        with services.db.write() as conn:
            services.jobs.defer(conn, "reports.schedule")
        services.jobs.drain()

    tick(due - timedelta(seconds=1))
    assert api.get(f"/reports/Opportunity/{report_id}").json()["total_results"] == 0
    tick(due + timedelta(seconds=5))
    runs = api.get(f"/reports/Opportunity/{report_id}").json()["records"]
    assert len(runs) == 1 and runs[0]["status"] == "done" and runs[0]["record_count"] == 25
    assert runs[0]["run_by"] == world.admin.user_id  # the owner's run
    report = api.get("/reports/Opportunity").json()["records"][0]
    assert report["next_run"] == "2031-03-02 06:00:00"
    tick(due + timedelta(hours=2))  # not due again the same day
    assert api.get(f"/reports/Opportunity/{report_id}").json()["total_results"] == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"columns": ["nope"]}, "Unknown field nope"),
        ({"filters": {"nope": "x"}}, "Unknown filter nope"),
        ({"order": "nope desc"}, "Unknown order field nope"),
        ({"groups": ["name", "sales_stage", "lead_source", "probability"]}, "at most 3"),
        ({"groups": ["description"]}, "cannot group"),
        (
            {"groups": ["sales_stage"], "aggregates": [{"field": "name", "function": "sum"}]},
            "not a number",
        ),
        ({"aggregates": [{"field": "amount", "function": "sum"}]}, "Aggregates need groups"),
        (
            {"groups": ["sales_stage"], "aggregates": [{"field": "amount", "function": "median"}]},
            "median",
        ),
        ({"run_interval": 1, "run_interval_unit": "fortnights"}, "run_interval_unit"),
        ({"run_interval": 0}, "run_interval"),
        ({"next_run": "tomorrow", "run_interval": 1}, "next_run"),
        ({"max_keep": 0}, "max_keep"),
        ({"shared_with": {"users": ["no-such-user"]}}, "No user"),
        ({"colour": "red"}, "Unknown report field colour"),
    ],
)
def test_bad_definitions_are_400s_that_say_what(
    api: ApiClient, data: dict[str, Any], words: str
) -> None:
    resp = api.post(
        "/reports", json={"data": {"name": "Bad", "primary_module": "Opportunity", **data}}
    )
    assert resp.status_code == 400, resp.text
    assert words in resp.json()["message"], resp.json()


def test_a_run_not_yet_done_is_a_409_and_unknown_ids_404(
    api: ApiClient, services: Services
) -> None:
    report_id = define(api, name="Waiting", columns=["name"])
    started = api.post(f"/reports/Opportunity/{report_id}/run").json()
    resp = api.get(f"/reports/data/Opportunity/{started['id']}")
    assert resp.status_code == 409 and "queued" in resp.json()["message"]
    assert api.get("/reports/data/Opportunity/no-such-run").status_code == 404
    assert api.get("/reports/Opportunity/no-such-report").status_code == 404
    assert api.get("/reports/NoSuchModel").status_code == 404


def test_erasure_clears_a_records_values_from_every_run(
    api: ApiClient, services: Services, world: World
) -> None:
    """GDPR erasure of a record's field: its values go from the runs, its other values
    and other records' rows stay."""
    target = world.create(
        "Opportunity", {"name": "Erase me", "amount": "9.99", "date_closed": "2031-01-01"}
    )
    report_id = define(api, name="Names", columns=["name", "amount"])
    run_id = run(api, services, report_id)
    erased = api.post(
        f"/data/erase_personal/Opportunity/{target}", json={"data": {"fields": "name"}}
    )
    assert erased.status_code == 200, erased.text
    rows = {r["id"]: r for r in rows_of(api, run_id)}
    assert rows[target]["name"] is None and rows[target]["amount"] == "9.99"
    assert sum(1 for r in rows.values() if r["name"] is None) == 1


def test_definitions_changes_are_events_administrators_see(
    api: ApiClient, alice: ApiClient
) -> None:
    report_id = define(alice, name="Audited", columns=["name"])
    patched = alice.patch(
        f"/reports/Opportunity/{report_id}", json={"data": {"name": "Audited twice"}}
    )
    assert patched.status_code == 200, patched.text
    assert alice.delete(f"/reports/Opportunity/{report_id}").status_code == 200

    settle(api.app.state.services)  # PostgreSQL: the feed reads up to the oldest open write

    def report_events(who: ApiClient) -> list[dict[str, Any]]:
        feed = who.get("/changes?limit=200").json()["records"]
        return [e for e in feed if e["model"] == "Report" and e["record_id"] == report_id]

    events = report_events(api)
    assert [e["kind"] for e in events] == ["create", "update", "delete"]
    assert events[0]["changes"]["name"] == {"before": None, "after": "Audited"}
    assert events[1]["changes"] == {"name": {"before": "Audited", "after": "Audited twice"}}
    assert report_events(alice) == []  # a configuration event: administrators only


def test_exports_show_dates_and_times_as_the_reader_chose(
    api: ApiClient, alice: ApiClient, services: Services, world: World
) -> None:
    deal = world.create(
        "Opportunity", {"name": "Dated deal", "amount": "1.00", "date_closed": "2031-01-31"}
    )
    report_id = define(
        alice,
        name="Dates",
        columns=["name", "date_closed", "date_entered"],
        filters={"name": "Dated deal"},
    )
    entered = api.get(f"/data/Opportunity/{deal}").json()["record"]["date_entered"]
    utc = datetime.strptime(entered, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    berlin = utc.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)

    def exported(fmt: str) -> bytes:
        run_id = run(alice, services, report_id)
        resp = alice.get(f"/reports/data/Opportunity/{run_id}?format={fmt}")
        assert resp.status_code == 200, resp.text
        return resp.content

    # no preferences: the wire's formats, UTC
    table = list(csv.reader(io.StringIO(exported("csv").decode("utf-8-sig"))))
    assert table[1][2:] == ["2031-01-31", entered]

    prefs = {"date_format": "d.m.Y", "time_format": "H:i", "timezone": "Europe/Berlin"}
    resp = alice.patch(f"/data/User/{world.users['alice']}", json={"data": prefs})
    assert resp.status_code == 200, resp.text
    table = list(csv.reader(io.StringIO(exported("csv").decode("utf-8-sig"))))
    assert table[1][2:] == ["31.01.2031", f"{berlin:%d.%m.%Y %H:%M}"]

    sheet = openpyxl.load_workbook(io.BytesIO(exported("xlsx"))).active
    assert sheet is not None
    closed, at = sheet["C2"], sheet["D2"]
    assert closed.value == datetime(2031, 1, 31) and closed.number_format == "dd.mm.yyyy"
    assert at.value == berlin and at.number_format == "dd.mm.yyyy hh:mm"
