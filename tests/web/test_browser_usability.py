"""The dashboard for every user: German labels, the keyboard alone, a phone-sized screen,
and a label on every input."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import LiveSite

PHONE = {"width": 375, "height": 740}


def test_german_labels(chromium: Any, live_site: LiveSite) -> None:
    context = chromium.new_context(base_url=live_site.url, locale="de-DE")
    try:
        page = context.new_page()
        page.goto("/app/login")
        assert page.locator("h1").inner_text() == "Bei Amity anmelden"
        page.fill("input[name=user_name]", "admin")
        page.fill("input[name=password]", live_site.world.passwords["admin"])
        page.click("#sign-in")
        page.wait_for_url(re.compile(r"/app/?$"))
        page.goto("/app/Contact/new")
        assert page.locator("label[for=f-last_name]").inner_text().startswith("Nachname")
        assert page.locator("#save").inner_text() == "Speichern"
        page.goto("/app/Contact")
        assert page.locator("#apply-filters").inner_text() == "Filtern"
        page.screenshot(path=str(_shot("test_german_labels")), full_page=True)
    finally:
        context.close()


def test_sign_in_and_create_with_the_keyboard_alone(page: Any, live_site: LiveSite) -> None:
    page.goto("/app/login")
    assert page.evaluate("document.activeElement.name") == "user_name"  # autofocus
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(live_site.world.passwords["admin"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/app/?$"))
    page.goto("/app/Account/new")
    page.focus("#f-name")
    page.keyboard.type("Keyboard Inc")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(re.compile(r"/app/Account/[0-9a-f-]{36}$"))
    assert page.locator("#record-name").inner_text() == "Keyboard Inc"


def test_every_input_has_a_label(admin_page: Any) -> None:
    page = admin_page
    for url in ("/app/Contact", "/app/Contact/new", "/app/Opportunity/new", "/app/password"):
        page.goto(url)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter(e => e.type !== 'hidden' && e.type !== 'submit')
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                 .map(e => e.name || e.id)"""
        )
        assert unlabelled == [], (url, unlabelled)


def test_pages_fit_a_phone_screen(chromium: Any, live_site: LiveSite) -> None:
    context = chromium.new_context(base_url=live_site.url, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/app/login")
        page.fill("input[name=user_name]", "admin")
        page.fill("input[name=password]", live_site.world.passwords["admin"])
        page.click("#sign-in")
        page.wait_for_url(re.compile(r"/app/?$"))
        contact = live_site.world.ids["contact"]
        for url in ("/app/", "/app/Contact", f"/app/Contact/{contact}", "/app/Contact/new"):
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (url, overflow)
        page.screenshot(path=str(_shot("test_pages_fit_a_phone_screen")), full_page=True)
    finally:
        context.close()


def _shot(name: str) -> Any:
    from tests.web.conftest import ARTIFACTS

    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
