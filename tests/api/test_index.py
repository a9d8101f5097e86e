"""`GET /` and `GET /api.php` say what the server is and where to start, without
credentials; every link they give answers."""

from __future__ import annotations

from importlib import metadata

import pytest

from tests.conftest import ApiClient

ENTRY_POINTS = ["http://testserver/", "http://testserver/api.php", "http://testserver/api.php/"]


@pytest.mark.parametrize("url", ENTRY_POINTS)
def test_the_entry_points_name_the_server_and_link_the_docs(anon: ApiClient, url: str) -> None:
    resp = anon.get(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["name"] == "Amity"
    assert body["version"] == metadata.version("amity")
    assert body["links"]["docs"] == "/docs"
    assert body["links"]["openapi"] == "/api.php/openapi.json"
    assert body["links"]["quick_start"].endswith("#quick-start")


def test_every_link_answers(anon: ApiClient) -> None:
    links = anon.get("http://testserver/").json()["links"]
    for name, link in links.items():
        resp = anon.get("http://testserver" + link.split("#")[0])
        assert resp.status_code == 200, f"{name}: {link} -> {resp.status_code}"
    assert anon.get("http://testserver/api.php/openapi.json").json()["openapi"].startswith("3.1")
    readme = anon.get("http://testserver" + links["quick_start"].split("#")[0]).text
    assert "## Quick start" in readme and "make run" in readme


def test_a_browser_gets_the_same_links_as_a_page(anon: ApiClient) -> None:
    resp = anon.get("http://testserver/api.php", headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    for link in anon.get("http://testserver/").json()["links"].values():
        assert f'href="{link}"' in resp.text


def test_a_browser_at_the_root_goes_to_the_dashboard(anon: ApiClient) -> None:
    resp = anon.get(
        "http://testserver/", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/app/"


def test_credentials_play_no_part(anon: ApiClient) -> None:
    resp = anon.get("http://testserver/api.php", headers={"Authorization": "Bearer nonsense"})
    assert resp.status_code == 200 and resp.json()["name"] == "Amity"
