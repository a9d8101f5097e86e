"""Dashboard pages in-process: the sign-in and its cookie, CSRF on every form, the access
rules (a denied record is a missing one), the audit's `ui` source, the language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.services import Services
from amity.errors import Unauthorized
from tests.api.test_changes import settle
from tests.conftest import ApiClient
from tests.web.world import WebWorld, build_web_world

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def web(services: Services) -> WebWorld:
    return build_web_world(services)


@pytest.fixture
def browser(app: Any) -> Iterator[ApiClient]:
    """A client that keeps cookies, like a browser; paths from the site's root."""
    client = ApiClient(app, base_url="http://testserver")
    yield client
    client.close()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(client: ApiClient, web: WebWorld, name: str) -> None:
    token = csrf_of(client.get("/app/login").text)
    answer = client.post(
        "/app/login",
        data={"csrf_token": token, "user_name": name, "password": web.passwords[name]},
    )
    assert answer.status_code == 303, answer.text


def test_pages_need_a_sign_in_and_come_back_after_it(browser: ApiClient, web: WebWorld) -> None:
    answer = browser.get("/app/Contact?filter_text=a")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=%2Fapp%2FContact%3Ffilter_text%3Da"
    token = csrf_of(browser.get(answer.headers["location"]).text)
    signed = browser.post(
        "/app/login",
        data={
            "csrf_token": token,
            "user_name": "alice",
            "password": web.passwords["alice"],
            "next": "/app/Contact?filter_text=a",
        },
    )
    assert signed.headers["location"] == "/app/Contact?filter_text=a"


@pytest.mark.parametrize("target", ["//evil.example/app", "https://evil.example/", "/api.php"])
def test_sign_in_never_sends_the_user_elsewhere(
    browser: ApiClient, web: WebWorld, target: str
) -> None:
    token = csrf_of(browser.get("/app/login").text)
    signed = browser.post(
        "/app/login",
        data={
            "csrf_token": token,
            "user_name": "alice",
            "password": "web-secret-pw-1",
            "next": target,
        },
    )
    assert signed.headers["location"] == "/app/"


def test_the_session_cookie_is_http_only_and_same_site(browser: ApiClient, web: WebWorld) -> None:
    token = csrf_of(browser.get("/app/login").text)
    signed = browser.post(
        "/app/login",
        data={"csrf_token": token, "user_name": "alice", "password": web.passwords["alice"]},
    )
    cookie = next(v for v in signed.headers.get_list("set-cookie") if v.startswith("amity_app="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/app" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind HTTPS the cookie is Secure
    secret = cookie.split(";", 1)[0].split("=", 1)[1]
    stored = web.world.services.db  # the database holds only the secret's hash
    with stored.read() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM sessions").fetchall()
    assert rows and all(secret not in str(row) for row in rows)


def test_a_wrong_password_is_a_401_page(browser: ApiClient, web: WebWorld) -> None:
    token = csrf_of(browser.get("/app/login").text)
    answer = browser.post(
        "/app/login", data={"csrf_token": token, "user_name": "alice", "password": "nope-nope"}
    )
    assert answer.status_code == 401
    assert "Wrong user name or password." in answer.text
    assert 'value="alice"' in answer.text


def test_every_form_needs_the_csrf_token(browser: ApiClient, web: WebWorld) -> None:
    assert (
        browser.post("/app/login", data={"user_name": "alice", "password": "x"}).status_code == 403
    )
    sign_in(browser, web, "alice")
    before = web.world.services.records.list_records(
        web.world.admin, "Account", _all()
    ).total_results
    for token in ("", "forged"):
        answer = browser.post("/app/Account/new", data={"csrf_token": token, "name": "Forged"})
        assert answer.status_code == 403
    after = web.world.services.records.list_records(
        web.world.admin, "Account", _all()
    ).total_results
    assert after == before
    answer = browser.post("/app/logout", data={})
    assert answer.status_code == 403


def _all() -> Any:
    from amity.core.records import ListQuery

    return ListQuery(limit=1)


def test_what_the_rules_deny_is_a_missing_page(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "carol")  # team west: alice's records are not hers to see
    contact = web.ids["contact"]
    assert browser.get(f"/app/Contact/{contact}").status_code == 404
    assert browser.get(f"/app/Contact/{contact}/edit").status_code == 404
    token = csrf_of(browser.get("/app/Contact/new").text)
    answer = browser.post(
        f"/app/Contact/{contact}/edit",
        data={"csrf_token": token, "_fields": "last_name", "last_name": "Hijacked"},
    )
    assert answer.status_code == 404
    answer = browser.post(f"/app/Contact/{contact}/delete", data={"csrf_token": token})
    assert answer.status_code == 404
    kept = web.world.services.records.get(web.world.admin, "Contact", contact)
    assert kept["last_name"] == "Portal"
    listed = browser.get("/app/Contact?filter_text=Portal").text
    assert contact not in listed
    assert web.ids["carols"] in browser.get("/app/Contact?filter_text=Carols").text


def test_a_model_the_role_blocks_is_missing_too(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "erin")
    assert browser.get("/app/Contact").status_code == 404
    assert browser.get(f"/app/Contact/{web.ids['contact']}").status_code == 404


def test_changes_are_audited_with_source_ui(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    token = csrf_of(browser.get("/app/Account/new").text)
    made = browser.post(
        "/app/Account/new", data={"csrf_token": token, "_fields": "name", "name": "Made in UI"}
    )
    assert made.status_code == 303
    account = made.headers["location"].rsplit("/", 1)[1]
    settle(web.world.services)
    history = web.world.services.audit.list(web.world.admin, "Account", account).records
    assert history and all(str(row["source"]).startswith("ui ") for row in history)


def test_pages_speak_the_browsers_language(browser: ApiClient, web: WebWorld) -> None:
    page = browser.get("/app/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert "Bei Amity anmelden" in page and 'lang="de"' in page
    sign_in(browser, web, "alice")
    listed = browser.get("/app/Contact", headers={"Accept-Language": "de"}).text
    assert "Nachname" in listed and "Filtern" in listed


def test_a_user_changes_their_own_password(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "bob")
    token = csrf_of(browser.get("/app/password").text)
    new = "a-brand-new-pass-42"

    def change(current: str, first: str, again: str) -> Any:
        return browser.post(
            "/app/password",
            data={
                "csrf_token": token,
                "current_password": current,
                "new_password": first,
                "new_password_again": again,
            },
        )

    wrong = change("not-my-password", new, new)
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    differ = change(web.passwords["bob"], new, new + "x")
    assert differ.status_code == 400 and "The two new passwords differ." in differ.text
    weak = change(web.passwords["bob"], "abc", "abc")
    assert weak.status_code == 400 and 'id="new_password-error"' in weak.text
    done = change(web.passwords["bob"], new, new)
    assert done.status_code == 200 and 'id="password-changed"' in done.text
    auth = web.world.services.auth
    assert auth.check_password("bob", new)["user_name"] == "bob"
    with pytest.raises(Unauthorized):
        auth.check_password("bob", web.passwords["bob"])


def test_a_users_language_choice_wins_over_the_browsers(browser: ApiClient, web: WebWorld) -> None:
    services = web.world.services
    services.records.update(web.world.admin, "User", web.world.users["bob"], {"language": "de"})
    sign_in(browser, web, "bob")
    page = browser.get("/app/Contact", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert 'lang="de"' in page and "Filtern" in page
    missing = browser.get("/app/Contact/no-such-id", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and 'lang="de"' in missing.text
