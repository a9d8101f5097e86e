"""The detail page in-process: related lists (link, unlink, paging), files (upload,
download, preview), history, and the create/edit form's inputs for every field type,
with picklist dependencies. What the rules deny is a missing page; every form needs the
CSRF token."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.api.test_changes import settle
from tests.conftest import ApiClient
from tests.web.test_pages import browser, csrf_of, sign_in, web
from tests.web.world import WebWorld, build_web_world

__all__ = ["browser", "web"]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _upload(client: ApiClient, url: str, token: str, name: str, data: bytes, mime: str) -> Any:
    return client.post(url, data={"csrf_token": token}, files={"file": (name, data, mime)})


def _linked(services: Services, web: WebWorld, contact: str) -> set[str]:
    page = services.relations.list_related(
        web.world.admin, "Contact", contact, "accounts", _query()
    )
    return {str(r["id"]) for r in page.records}


def _query() -> Any:
    from amity.core.records import ListQuery

    return ListQuery(limit=100)


def test_link_and_unlink_an_account_from_the_related_list(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    sign_in(browser, web, "alice")
    contact = web.world.create("Contact", {"last_name": "Linker"})
    account = web.world.create("Account", {"name": "Linkable Ltd"})
    page = browser.get(f"/app/Contact/{contact}")
    assert page.status_code == 200
    assert 'id="panel-accounts"' in page.text
    token = csrf_of(page.text)
    forged = browser.post(
        f"/app/Contact/{contact}/related/accounts",
        data={"csrf_token": "forged", "record_id": account},
    )
    assert forged.status_code == 403 and account not in _linked(services, web, contact)
    added = browser.post(
        f"/app/Contact/{contact}/related/accounts",
        data={"csrf_token": token, "record_id": "", "record_name": "linkable ltd"},
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith("#panel-accounts")
    assert account in _linked(services, web, contact)
    shown = browser.get(f"/app/Contact/{contact}").text
    assert f'href="/app/Account/{account}"' in shown
    remove = f"/app/Contact/{contact}/related/accounts/{account}/remove"
    confirm = browser.get(remove)
    assert confirm.status_code == 200 and "confirm-unlink" in confirm.text
    assert browser.post(remove, data={"csrf_token": "forged"}).status_code == 403
    assert account in _linked(services, web, contact)
    assert browser.post(remove, data={"csrf_token": token}).status_code == 303
    assert account not in _linked(services, web, contact)


def test_a_name_that_fits_no_record_is_shown_beside_the_panel(
    browser: ApiClient, web: WebWorld
) -> None:
    sign_in(browser, web, "alice")
    contact = web.world.create("Contact", {"last_name": "Nolink"})
    token = csrf_of(browser.get(f"/app/Contact/{contact}").text)
    answer = browser.post(
        f"/app/Contact/{contact}/related/accounts",
        data={"csrf_token": token, "record_id": "", "record_name": "No Such Company"},
    )
    assert answer.status_code == 400
    assert 'id="panel-accounts-name-error"' in answer.text
    assert 'value="No Such Company"' in answer.text  # what was typed stays


def test_related_lists_page_by_ten(browser: ApiClient, web: WebWorld, services: Services) -> None:
    sign_in(browser, web, "alice")
    account = web.world.create("Account", {"name": "Big Family"})
    for n in range(12):
        member = web.world.create("Contact", {"last_name": f"Member {n:02d}"})
        web.world.link("Account", account, "contacts", member)
    first = browser.get(f"/app/Account/{account}").text
    panel = first.split('id="panel-contacts"', 1)[1].split("</details>", 1)[0]
    assert panel.count("<tr data-id=") == 10 and "contacts_page=2" in panel
    second = browser.get(f"/app/Account/{account}?contacts_page=2").text
    panel = second.split('id="panel-contacts"', 1)[1].split("</details>", 1)[0]
    assert panel.count("<tr data-id=") == 2


def test_related_lists_past_the_first_load_when_opened(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    contact = web.ids["contact"]
    page = browser.get(f"/app/Contact/{contact}").text
    documents = page.split('id="panel-documents"', 1)[1].split("</details>", 1)[0]
    assert f'data-src="/app/Contact/{contact}/related/documents"' in documents
    assert "<tr data-id=" not in documents and "documents_page=1#panel-documents" in documents
    fragment = browser.get(f"/app/Contact/{contact}/related/documents").text
    assert f'href="/app/Document/{web.ids["document"]}"' in fragment
    assert "<html" not in fragment
    reloaded = browser.get(f"/app/Contact/{contact}?documents_page=1").text  # without scripts
    documents = reloaded.split('id="panel-documents"', 1)[1].split("</details>", 1)[0]
    assert f'href="/app/Document/{web.ids["document"]}"' in documents
    assert browser.get(f"/app/Contact/{contact}/related/nolink").status_code == 404


def test_upload_download_and_preview(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    note = web.world.create("Note", {"name": "With attachment"})
    token = csrf_of(browser.get(f"/app/Note/{note}").text)
    url = f"/app/Note/{note}/files/filename"
    assert _upload(browser, url, "forged", "a.pdf", PDF, "application/pdf").status_code == 403
    assert browser.get(url).status_code == 404  # nothing stored by the refused upload
    assert (
        browser.post(url, content=b"x", headers={"Content-Type": "text/plain"}).status_code == 403
    )
    sent = _upload(browser, url, token, "report.pdf", PDF, "application/pdf")
    assert sent.status_code == 303, sent.text
    got = browser.get(url)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    shown = browser.get(f"/app/Note/{note}").text
    assert f'<iframe class="preview pdf" src="{url}/inline"' in shown
    inline = browser.get(f"{url}/inline")
    assert inline.status_code == 200 and inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")

    contact = web.world.create("Contact", {"last_name": "Pictured"})
    photo = f"/app/Contact/{contact}/files/photo"
    assert _upload(browser, photo, token, "me.png", PNG, "image/png").status_code == 303
    shown = browser.get(f"/app/Contact/{contact}").text
    assert f'<img class="preview" src="{photo}/inline"' in shown
    inline = browser.get(f"{photo}/inline")
    assert inline.headers["content-type"] == "image/png" and inline.content == PNG
    assert "sandbox" in inline.headers["content-security-policy"]


def test_a_text_file_has_no_preview_and_an_image_field_refuses_it(
    browser: ApiClient, web: WebWorld
) -> None:
    sign_in(browser, web, "alice")
    note = web.world.create("Note", {"name": "Plain"})
    token = csrf_of(browser.get(f"/app/Note/{note}").text)
    url = f"/app/Note/{note}/files/filename"
    html = b"<script>alert(1)</script>"
    assert _upload(browser, url, token, "x.html", html, "text/html").status_code == 303
    assert browser.get(f"{url}/inline").status_code == 404
    got = browser.get(url)
    assert got.headers["content-disposition"].startswith("attachment;")
    contact = web.world.create("Contact", {"last_name": "Not pictured"})
    refused = _upload(
        browser, f"/app/Contact/{contact}/files/photo", token, "x.txt", b"text", "text/plain"
    )
    assert refused.status_code == 400
    assert 'id="file-photo-error"' in refused.text


def test_history_shows_an_edit_made_in_the_form(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    contact = web.world.create("Contact", {"last_name": "Before"})
    token = csrf_of(browser.get(f"/app/Contact/{contact}/edit").text)
    saved = browser.post(
        f"/app/Contact/{contact}/edit",
        data={"csrf_token": token, "_fields": "last_name", "last_name": "After"},
    )
    assert saved.status_code == 303
    settle(web.world.services)
    page = browser.get(f"/app/Contact/{contact}").text
    history = page.split('id="history"', 1)[1]
    row = re.search(r'<tr data-field="last_name">(.*?)</tr>', history, re.S)
    assert row, history
    assert ">Before<" in row.group(1) and ">After<" in row.group(1)
    assert 'class="h-source">ui ' in row.group(1)


def test_who_cannot_read_the_record_gets_no_file_related_list_or_history(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    note = web.world.create("Note", {"name": "Secret note"})
    sign_in(browser, web, "alice")
    token = csrf_of(browser.get(f"/app/Note/{note}").text)
    url = f"/app/Note/{note}/files/filename"
    assert _upload(browser, url, token, "s.pdf", PDF, "application/pdf").status_code == 303
    contact = web.ids["contact"]
    browser.post("/app/logout", data={"csrf_token": token})
    sign_in(browser, web, "carol")  # team west: alice's records are not hers
    token = csrf_of(browser.get("/app/Contact/new").text)
    assert browser.get(url).status_code == 404
    assert browser.get(f"{url}/inline").status_code == 404
    assert browser.get(f"/app/Contact/{contact}?accounts_page=1").status_code == 404
    assert browser.get(f"/app/Contact/{contact}/related/accounts").status_code == 404
    assert browser.get(f"/app/Contact/{contact}?history_page=1").status_code == 404
    answer = _upload(browser, url, token, "evil.pdf", PDF, "application/pdf")
    assert answer.status_code == 404
    assert (
        browser.post(
            f"/app/Contact/{contact}/related/accounts",
            data={"csrf_token": token, "record_id": web.ids["carols_account"]},
        ).status_code
        == 404
    )
    account = web.ids["account"]
    remove = f"/app/Contact/{contact}/related/accounts/{account}/remove"
    assert browser.get(remove).status_code == 404
    assert browser.post(remove, data={"csrf_token": token}).status_code == 404
    assert account in _linked(services, web, contact)


CUSTOM = {  # name -> (type, posted values, stored value)
    "tier_c": ("Select", ["2"], 2),
    "pick_c": ("Radio", ["3"], 3),
    "many_c": ("MultiSelect", ["1", "3"], [1, 3]),
    "boxes_c": ("Checkbox", ["2", "3"], [2, 3]),
    "vip_c": ("Boolean", ["1"], True),
    "shade_c": ("ColorSwatch", ["#AA3300"], "#aa3300"),
    "since_c": ("Date", ["2030-04-05"], "2030-04-05"),
    "meet_c": ("DateTime", ["2030-04-05T06:07"], "2030-04-05 06:07:00"),
    "seats_c": ("Number", ["12"], 12),
    "ratio_c": ("Numeric", ["1.250"], None),  # compared below as a number
    "site_c": ("URL", ["https://example.com/x"], "https://example.com/x"),
    "motto_c": ("Text", ["Onwards"], "Onwards"),
    "story_c": ("Textarea", ["Long\nstory"], "Long\nstory"),
    "zone_c": ("Timezone", ["Europe/Berlin"], "Europe/Berlin"),
}
OPTIONS = ["Gold", "Silver", "Bronze"]


def _add_fields(services: Services, web: WebWorld) -> None:
    for name, (type_, _, _) in CUSTOM.items():
        body: dict[str, Any] = {"name": name, "type": type_}
        if type_ in ("Select", "Radio", "MultiSelect", "Checkbox"):
            body["options"] = OPTIONS
        services.fields.add(web.world.admin, "Contact", body)


def test_the_form_has_an_input_fit_for_every_custom_type_and_saves_them(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    _add_fields(services, web)
    sign_in(browser, web, "alice")
    form = browser.get("/app/Contact/new").text
    assert re.search(r'<select id="f-tier_c" name="tier_c"', form)
    assert (
        'role="radiogroup"' in form
        and 'type="radio" id="f-pick_c-1" name="pick_c" value="1"' in form
    )
    assert re.search(r'<select id="f-many_c" name="many_c" multiple', form)
    assert 'type="checkbox" id="f-boxes_c-2" name="boxes_c" value="2"' in form
    assert 'id="f-vip_c" name="vip_c" value="1"' in form
    assert 'id="f-shade_c" name="shade_c" type="text"' in form and "data-color" in form
    assert 'name="since_c" type="date"' in form
    assert 'name="meet_c" type="datetime-local"' in form
    assert 'name="seats_c" type="number"' in form and 'name="ratio_c" type="number"' in form
    assert 'name="site_c" type="url"' in form
    assert '<textarea id="f-story_c"' in form
    assert '<option value="Europe/Berlin"' in form
    token = csrf_of(form)
    marker = re.search(r'name="_fields" value="([^"]*)"', form)
    assert marker
    data: list[tuple[str, str]] = [
        ("csrf_token", token),
        ("_fields", marker.group(1)),
        ("last_name", "Custom Typed"),
    ]
    for name, (_, posted, _) in CUSTOM.items():
        data += [(name, value) for value in posted]
    made = browser.post("/app/Contact/new", content=_urlencoded(data), headers=FORM)
    assert made.status_code == 303, made.text
    record_id = made.headers["location"].rsplit("/", 1)[1]
    stored = services.records.get(web.world.admin, "Contact", record_id)
    for name, (_, _, expected) in CUSTOM.items():
        if expected is not None:
            assert stored[name] == expected, name
    assert str(stored["ratio_c"]) in ("1.25", "1.250")
    shown = browser.get(f"/app/Contact/{record_id}").text
    assert '<dd data-field="tier_c">Silver</dd>' in shown
    assert '<dd data-field="boxes_c">Silver, Bronze</dd>' in shown
    edit = browser.get(f"/app/Contact/{record_id}/edit").text
    assert re.search(r'id="f-boxes_c-2" name="boxes_c" value="2"\s+checked', edit)
    assert re.search(r'id="f-pick_c-3" name="pick_c" value="3"\s+checked', edit)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs).encode()


def test_a_rejected_value_keeps_every_kind_of_input(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    _add_fields(services, web)
    sign_in(browser, web, "alice")
    form = browser.get("/app/Contact/new").text
    marker = re.search(r'name="_fields" value="([^"]*)"', form)
    assert marker
    data = [
        ("csrf_token", csrf_of(form)),
        ("_fields", marker.group(1)),
        ("last_name", "Kept"),
        ("shade_c", "not a colour"),
        ("pick_c", "2"),
        ("boxes_c", "1"),
        ("boxes_c", "3"),
        ("many_c", "2"),
        ("zone_c", "Europe/Paris"),
    ]
    answer = browser.post("/app/Contact/new", content=_urlencoded(data), headers=FORM)
    assert answer.status_code == 400
    page = answer.text
    assert 'aria-invalid="true" aria-describedby="f-shade_c-error"' in page
    assert 'id="f-shade_c-error"' in page and 'value="not a colour"' in page
    assert re.search(r'id="f-pick_c-2" name="pick_c" value="2"\s+checked', page)
    assert re.search(r'id="f-boxes_c-1" name="boxes_c" value="1"\s+checked', page)
    assert re.search(r'id="f-boxes_c-3" name="boxes_c" value="3"\s+checked', page)
    assert '<option value="2" selected' in page.split('id="f-many_c"', 1)[1]
    assert '<option value="Europe/Paris" selected' in page


def test_required_fields_are_marked(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    form = browser.get("/app/Contact/new").text
    assert re.search(r'id="f-last_name" name="last_name"[^>]*required aria-required="true"', form)
    assert not re.search(r'id="f-first_name" name="first_name"[^>]*required', form)


def test_a_picklist_dependency_narrows_the_options(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    services.picklists.put(
        web.world.admin,
        "Account",
        "account_type",
        {"source": "industry", "map": {"Banking": ["Customer", "Investor"]}},
    )
    sign_in(browser, web, "alice")
    form = browser.get("/app/Account/new").text
    select = form.split('id="f-account_type"', 1)[1].split("</select>", 1)[0]
    assert 'data-depends-on="industry"' in select
    assert '"Banking": ["Customer", "Investor"]' in select
    assert 'value="Analyst"' in select and not re.search(r'value="Analyst"[^>]*hidden', select)
    account = web.world.create("Account", {"name": "Banky", "industry": "Banking"})
    edit = browser.get(f"/app/Account/{account}/edit").text
    select = edit.split('id="f-account_type"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'value="Analyst"[^>]*hidden disabled', select)
    assert not re.search(r'value="Customer"[^>]*hidden', select)
    marker = re.search(r'name="_fields" value="([^"]*)"', edit)
    assert marker
    data = [
        ("csrf_token", csrf_of(edit)),
        ("_fields", "name,industry,account_type"),
        ("name", "Banky"),
        ("industry", "Banking"),
        ("account_type", "Analyst"),
    ]
    answer = browser.post(f"/app/Account/{account}/edit", content=_urlencoded(data), headers=FORM)
    assert answer.status_code == 400
    assert 'id="f-account_type-error"' in answer.text
    select = answer.text.split('id="f-account_type"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'value="Analyst" selected', select)  # the rejected choice stays


def test_a_parent_ref_looks_up_the_type_picked_beside_it(
    browser: ApiClient, web: WebWorld, services: Services
) -> None:
    sign_in(browser, web, "alice")
    form = browser.get("/app/Note/new").text
    assert 'data-ref-model-from="parent_type"' in form
    token = csrf_of(form)
    fields = "name,parent_type,parent_id"
    base = [("csrf_token", token), ("_fields", fields), ("name", "About Acme")]
    untyped = [*base, ("parent_id", ""), ("parent", "Acme")]
    answer = browser.post("/app/Note/new", content=_urlencoded(untyped), headers=FORM)
    assert answer.status_code == 400 and 'id="f-parent_id-error"' in answer.text
    typed = [*base, ("parent_type", "Account"), ("parent_id", ""), ("parent", "Acme")]
    made = browser.post("/app/Note/new", content=_urlencoded(typed), headers=FORM)
    assert made.status_code == 303, made.text
    note = services.records.get(web.world.admin, "Note", made.headers["location"].rsplit("/")[-1])
    assert note["parent_id"] == web.ids["account"]


def test_an_upload_past_the_limit_is_refused_while_it_streams(settings: Settings) -> None:
    changed = dataclasses.replace(settings, max_upload_bytes=1000)
    services = build_services(changed)
    client = ApiClient(create_app(changed, services), base_url="http://testserver")
    try:
        web = build_web_world(services)
        sign_in(client, web, "alice")
        note = web.world.create("Note", {"name": "Too big"})
        token = csrf_of(client.get(f"/app/Note/{note}").text)
        url = f"/app/Note/{note}/files/filename"
        answer = _upload(client, url, token, "big.bin", b"x" * 5000, "application/octet-stream")
        assert answer.status_code == 413
        assert "<html" in answer.text  # a page, not JSON
        assert client.get(url).status_code == 404
        spool = services.files.blobs.spool_dir
        assert not list(spool.glob("upload-*"))  # the spool file went with the refusal
    finally:
        client.close()
        services.close()
