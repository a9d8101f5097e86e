"""client.reports against a real server: define a report, run it and wait for the job,
page its rows, export it to a file and a stream, change and delete it; the async client
does the same."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from conftest import FAST_RETRY, unique

from amity_client import AsyncClient, BadRequest, Client, NotFound, TokenAuth


def deals(client: Client, tag: str) -> None:
    for n, stage in enumerate(["Prospecting", "Prospecting", "Closed Won"]):
        client.model("Opportunity").create(
            {
                "name": f"{tag} {n}",
                "sales_stage": stage,
                "amount": f"{n}0.25",
                "date_closed": "2031-01-01",
            }
        )


def test_a_report_is_defined_run_paged_and_exported(client: Client, tmp_path: Path) -> None:
    tag = unique("Deal")
    deals(client, tag)
    report_id = client.reports.define(
        {
            "name": tag,
            "primary_module": "Opportunity",
            "columns": ["name", "amount"],
            "filters": {"name": tag},
            "order": "name",
        }
    )
    assert report_id in {r["id"] for r in client.reports.list("Opportunity", limit=200).records}
    run = client.reports.run("Opportunity", report_id, wait=True)
    assert run["status"] == "done" and run["record_count"] == 3
    page = client.reports.data("Opportunity", run["id"], offset=1, limit=1)
    assert page.total_results == 3 and [r["name"] for r in page.records] == [f"{tag} 1"]

    got = client.reports.export("Opportunity", run["id"], tmp_path / "deals.csv")
    assert got.name.endswith(".csv") and got.size == (tmp_path / "deals.csv").stat().st_size
    table = list(csv.reader(io.StringIO((tmp_path / "deals.csv").read_text("utf-8-sig"))))
    assert [line[1:] for line in table] == [
        ["name", "amount"],
        [f"{tag} 0", "0.25"],
        [f"{tag} 1", "10.25"],
        [f"{tag} 2", "20.25"],
    ]
    stream = io.BytesIO()
    xlsx = client.reports.export("Opportunity", run["id"], stream, format="xlsx")
    assert xlsx.name.endswith(".xlsx") and stream.getvalue().startswith(b"PK")

    client.reports.update("Opportunity", report_id, {"groups": ["sales_stage"]})
    grouped = client.reports.run("Opportunity", report_id, wait=True)
    counts = {
        r["sales_stage"]: r["count"]
        for r in client.reports.data("Opportunity", grouped["id"]).records
    }
    assert counts == {"Prospecting": 2, "Closed Won": 1}
    assert client.reports.runs("Opportunity", report_id).total_results == 2
    with pytest.raises(BadRequest):
        client.reports.update("Opportunity", report_id, {"groups": ["no_such_field"]})
    client.reports.delete("Opportunity", report_id)
    with pytest.raises(NotFound):
        client.reports.runs("Opportunity", report_id)
    with pytest.raises(ValueError):
        client.reports.export("Opportunity", run["id"], stream, format="pdf")


def test_async_reports_run_and_export(url: str, token: str, client: Client) -> None:
    tag = unique("AsyncDeal")
    deals(client, tag)

    async def scenario() -> None:
        async with AsyncClient(url, TokenAuth(token), retry=FAST_RETRY) as aclient:
            reports = aclient.reports
            report_id = await reports.define(
                {
                    "name": tag,
                    "primary_module": "Opportunity",
                    "filters": {"name": tag},
                    "groups": ["sales_stage"],
                    "aggregates": [{"field": "amount", "function": "sum"}],
                }
            )
            run = await reports.run("Opportunity", report_id, wait=True)
            rows = (await reports.data("Opportunity", run["id"])).records
            assert {r["sales_stage"]: r["sum_amount"] for r in rows} == {
                "Prospecting": "10.50",
                "Closed Won": "20.25",
            }
            stream = io.BytesIO()
            got = await reports.export("Opportunity", run["id"], stream)
            assert got.size == len(stream.getvalue()) and b"sum_amount" in stream.getvalue()
            assert (await reports.list("Opportunity", limit=200)).total_results >= 1
            assert (await reports.runs("Opportunity", report_id)).total_results == 1
            await reports.update("Opportunity", report_id, {"max_keep": 1})
            await reports.delete("Opportunity", report_id)

    asyncio.run(scenario())
