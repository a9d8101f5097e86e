"""The examples of seed 004 (OpenCRM's API reference), replayed against /api/rest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User


@pytest.fixture
def oc(app: Any, services: Services, admin: User) -> Iterator[ApiClient]:
    api_key, pass_key = services.api_keys.create(admin.id)
    client = ApiClient(
        app, {"KEY1": api_key, "KEY2": pass_key}, base_url="http://testserver/api/rest"
    )
    yield client
    client.close()


@pytest.fixture
def project(oc: ApiClient) -> int:
    company = oc.post("/edit_company", data={"companyname": "Acme"}).json()["companyid"]
    made = oc.post(
        "/edit_project",
        data={
            "projectname": "Seed",
            "startdate": "2015-08-04",
            "targetenddate": "2015-09-30",
            "companyid": str(company),
        },
    )
    assert made.status_code == 200, made.text
    return int(made.json()["projectid"])


def test_get_project_list_with_both_overrides(oc: ApiClient, project: int) -> None:
    """api/rest/get_project_list/dateTimeOverride/d_F_Y_H:i/dateOverride/d_F_Y"""
    answer = oc.get("/get_project_list/dateTimeOverride/d_F_Y_H:i/dateOverride/d_F_Y")
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["data"]
    assert row["projectid"] == project
    assert row["startdate"] == "04 August 2015"
    assert re.fullmatch(r"\d\d [A-Z][a-z]+ \d{4} \d\d:\d\d", row["modifiedtime"])


def test_get_project_list_in_iso_8601(oc: ApiClient, project: int) -> None:
    """api/rest/get_project_list/dateTimeOverride/c/dateOverride/c: dates get 00:00:00"""
    answer = oc.get("/get_project_list/dateTimeOverride/c/dateOverride/c")
    (row,) = answer.json()["data"]
    assert row["startdate"] == "2015-08-04T00:00:00+00:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["modifiedtime"])


def test_change_assignedidtouser(oc: ApiClient, project: int) -> None:
    """change_assignedidtouser=Project_Developer,Assigned_to (here: the fields it has)"""
    plain = oc.get("/get_project", params={"projectid": project}).json()["data"]
    named = oc.get(
        "/get_project", params={"projectid": project, "change_assignedidtouser": "Assigned_to"}
    ).json()["data"]
    assert plain["Assigned_to"] == "1" and named["Assigned_to"] == "admin"
    unknown = oc.get(
        "/get_project",
        params={"projectid": project, "change_assignedidtouser": "Project_Developer,Assigned_to"},
    )
    assert unknown.status_code == 400
    assert unknown.json() == {
        "status": "error",
        "error": "Project_Developer is not a user field of project",
    }


def test_api_writes_are_marked_with_the_callers_ip(
    oc: ApiClient, project: int, api: ApiClient, services: Services
) -> None:
    """'Record modified by API call from IP: 12.34.45.56' in the record's audit."""
    oc.post("/edit_project", data={"projectid": str(project), "projectname": "Seed 2"})
    found = services.record_numbers.record(project)
    assert found is not None
    rows = api.get(f"/audit/Project/{found[1]}").json()["records"]
    assert [r["source"] for r in rows] == ["opencrm 127.0.0.1"] * len(rows) and len(rows) == 2
