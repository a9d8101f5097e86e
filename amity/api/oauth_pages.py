"""The server-rendered login and consent page of the authorization endpoint (plain HTML,
every value escaped), and the page shown for requests that cannot go back to a client."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

SCOPE_TEXT = {
    "profile": "see your name, e-mail address and role",
    "read": "read CRM records you can read",
    "write": "create, change and delete CRM records you can change",
}
LOGIN_LABEL = {"user": ("User name", "username"), "contact": ("E-mail address", "email")}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
STYLE = """body{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;
color:#222}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=email],
input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}button{margin:1rem .5rem 0 0;
padding:.5rem 1rem}.error{color:#a00}"""


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def login_page(
    *,
    action: str,
    owner_type: str,
    client_name: str,
    scope: str,
    params: Mapping[str, str],
    csrf_token: str,
    login: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The form: who asks for what, the owner's login and password, Allow and Deny."""
    label, kind = LOGIN_LABEL[owner_type]
    hidden = "".join(
        f"<input type=hidden name='{escape(k)}' value='{escape(v)}'>" for k, v in params.items()
    )
    scopes = "".join(
        f"<li>{escape(SCOPE_TEXT.get(s, s))} <code>{escape(s)}</code></li>" for s in scope.split()
    )
    message = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>Sign in to Amity</h1>"
        f"<p><strong id=client-name>{escape(client_name)}</strong> asks to:</p>"
        f"<ul id=scopes>{scopes}</ul>{message}"
        f"<form method=post action='{escape(action)}'>{hidden}"
        f"<input type=hidden name='csrf_token' value='{escape(csrf_token)}'>"
        f"<label for=login>{escape(label)}</label>"
        f"<input id=login name=login type={'email' if kind == 'email' else 'text'} "
        f"value='{escape(login)}' autocomplete=username required>"
        f"<label for=password>Password</label>"
        f"<input id=password name=password type=password autocomplete=current-password>"
        f"<div><button type=submit name=decision value=allow id=allow>Allow</button>"
        f"<button type=submit name=decision value=deny id=deny formnovalidate>Deny</button>"
        f"</div></form>"
    )
    return _page("Sign in to Amity", body, status)


def error_page(message: str, status: int = 400) -> HTMLResponse:
    """For requests that cannot be answered by a redirect (unknown client, wrong redirect
    URI): the user sees what went wrong; nothing goes to an unverified address."""
    body = (
        f"<h1>Authorization failed</h1><p class=error id=error>{escape(message)}</p>"
        f"<p>Go back to the application and try again, or tell its developer.</p>"
    )
    return _page("Authorization failed", body, status)
