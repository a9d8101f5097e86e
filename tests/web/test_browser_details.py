"""Browser flows over a record's detail page and its forms: related lists, files, the
history, custom fields, picklist dependencies and ref search-as-you-type."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from tests.web.conftest import LiveSite
from tests.web.test_details import PDF, PNG


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_link_an_account_from_the_related_list_and_remove_it(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    world = live_site.world.world
    contact = world.create("Contact", {"last_name": _unique("Linked")})
    name = _unique("Linkco")
    account = world.create("Account", {"name": name})
    page.goto(f"/app/Contact/{contact}")
    page.click("#panel-accounts > summary")
    box = page.locator("#panel-accounts-name")
    box.type(name[:10], delay=20)  # search as you type
    page.wait_for_selector(f"#panel-accounts-name-list li[data-id='{account}']")
    box.press("ArrowDown")
    box.press("Enter")  # picks the suggestion, does not send the form
    assert page.input_value("#panel-accounts-name-id") == account
    page.click("#panel-accounts .add-link")
    page.wait_for_url(re.compile(rf"/app/Contact/{contact}#panel-accounts$"))
    row = page.locator(f"#panel-accounts tr[data-id='{account}']")
    assert row.inner_text().startswith(name)
    row.locator("a.unlink").click()
    page.click("#confirm-unlink")
    page.wait_for_url(re.compile(rf"/app/Contact/{contact}#panel-accounts$"))
    assert page.locator(f"#panel-accounts tr[data-id='{account}']").count() == 0
    page.click("#panel-documents > summary")  # a list not loaded with the page loads now
    page.wait_for_selector("#panel-documents .link-form input[role=combobox]")
    assert page.locator("#panel-documents .load-panel").count() == 0


def test_upload_a_file_download_it_see_the_previews_and_remove_it(
    admin_page: Any, live_site: LiveSite, tmp_path: Path
) -> None:
    page = admin_page
    world = live_site.world.world
    note = world.create("Note", {"name": _unique("Attached")})
    pdf = tmp_path / "quote.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"/app/Note/{note}")
    page.set_input_files("#file-filename-input", str(pdf))
    page.click("#file-filename-upload")
    page.wait_for_url(re.compile(rf"/app/Note/{note}#file-filename$"))
    with page.expect_download() as info:
        page.click("#file-filename a.file-download")
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    assert info.value.suggested_filename == "quote.pdf"
    frame = page.locator("#file-filename iframe[data-preview=pdf]")
    assert frame.is_visible()
    shown = page.request.get(frame.get_attribute("src"))
    assert shown.headers["content-type"] == "application/pdf" and shown.body() == PDF
    page.click("#file-filename-remove")
    page.click("#confirm-remove-file")
    page.wait_for_url(re.compile(rf"/app/Note/{note}#file-filename$"))
    assert page.locator("#file-filename .file-download").count() == 0
    assert page.request.get(f"/app/Note/{note}/files/filename").status == 404
    assert not world.services.records.get(world.admin, "Note", note)["filename"]

    contact = world.create("Contact", {"last_name": _unique("Photographed")})
    png = tmp_path / "face.png"
    png.write_bytes(PNG)
    page.goto(f"/app/Contact/{contact}")
    page.set_input_files("#file-photo-input", str(png))
    page.click("#file-photo-upload")
    page.wait_for_url(re.compile(rf"/app/Contact/{contact}#file-photo$"))
    image = page.locator("#file-photo img[data-preview=image]")
    image.wait_for()
    assert (
        page.evaluate(
            "() => document.querySelector('#file-photo img').complete && "
            "document.querySelector('#file-photo img').naturalWidth"
        )
        == 1
    )


def test_the_history_shows_an_edit_made_in_the_form(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    before = _unique("Historic")
    contact = live_site.world.world.create("Contact", {"last_name": before})
    page.goto(f"/app/Contact/{contact}/edit")
    page.fill("#f-last_name", "Rewritten")
    page.click("#save")
    page.wait_for_url(re.compile(rf"/app/Contact/{contact}$"))
    row = page.locator("#history tr[data-field=last_name]").first
    assert row.locator(".h-field").inner_text() == "Last Name"
    assert row.locator(".h-before").inner_text() == before
    assert row.locator(".h-after").inner_text() == "Rewritten"
    assert row.locator(".h-source").inner_text().startswith("ui ")


def _wait_for_field(page: Any, url: str, selector: str) -> None:
    """The server learns of a new custom field within AMITY_METADATA_CHECK_SECONDS."""
    deadline = time.monotonic() + 5
    while True:
        page.goto(url)
        if page.locator(selector).count() or time.monotonic() > deadline:
            return
        time.sleep(0.3)


def test_custom_select_and_checkbox_fields_in_the_form_and_a_dependency(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    services, admin = live_site.services, live_site.world.world.admin
    options = ["Gold", "Silver", "Bronze"]
    services.fields.add(
        admin, "Lead", {"name": "detail_tier_c", "type": "Select", "options": options}
    )
    services.fields.add(
        admin, "Lead", {"name": "detail_boxes_c", "type": "Checkbox", "options": options}
    )
    services.picklists.put(
        admin, "Lead", "detail_boxes_c", {"source": "detail_tier_c", "map": {"1": [1], "2": [2, 3]}}
    )
    _wait_for_field(page, "/app/Lead/new", "#f-detail_boxes_c[data-depends-on=detail_tier_c]")
    page.fill("#f-last_name", _unique("Custom"))
    page.select_option("#f-status", index=1)
    boxes = page.locator("#f-detail_boxes_c")
    assert boxes.locator("input[type=checkbox]").count() == 3
    page.select_option("#f-detail_tier_c", label="Gold")  # narrows the checkboxes to Gold
    assert page.is_visible("#f-detail_boxes_c-1") and not page.is_visible("#f-detail_boxes_c-2")
    page.select_option("#f-detail_tier_c", label="Silver")
    assert not page.is_visible("#f-detail_boxes_c-1")
    page.check("#f-detail_boxes_c-2")
    page.check("#f-detail_boxes_c-3")
    page.click("#save")
    page.wait_for_url(re.compile(r"/app/Lead/[0-9a-f-]{36}$"))
    assert page.locator("dd[data-field=detail_tier_c]").inner_text() == "Silver"
    assert page.locator("dd[data-field=detail_boxes_c]").inner_text() == "Silver, Bronze"
    lead = page.url.rsplit("/", 1)[1]
    stored = services.records.get(admin, "Lead", lead)
    assert stored["detail_tier_c"] == 2 and stored["detail_boxes_c"] == [2, 3]


def test_ref_search_as_you_type_picks_an_account(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    name = _unique("Pickable")
    account = live_site.world.world.create("Account", {"name": name})
    page.goto("/app/Contact/new")
    page.fill("#f-last_name", _unique("Referring"))
    box = page.locator("#f-primary_account_id")
    box.type(name[:12], delay=20)
    page.wait_for_selector(f"#f-primary_account_id-list li[data-id='{account}']")
    assert box.get_attribute("aria-expanded") == "true"
    assert "suggestions" in page.inner_text("#f-primary_account_id-status")  # announced
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "f-primary_account_id-list-0"
    box.press("Enter")
    assert page.input_value("#f-primary_account_id") == name
    assert page.input_value("#f-primary_account_id-id") == account
    assert box.get_attribute("aria-expanded") == "false"
    page.click("#save")
    page.wait_for_url(re.compile(r"/app/Contact/[0-9a-f-]{36}$"))
    assert page.locator("dd[data-field=primary_account] a").inner_text() == name
