"""Vtiger RestfulApi credentials in the path never reach a log as they are."""

from __future__ import annotations

import pytest

from amity.api.paths import redact_path

TOKEN = "f7171f3d8e13326762a45641c2dd1e39"
P = "/modules/RestfulApi/"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (P + "auth/admin/s3cret", P + "auth/<login>/<secret>"),
        (P + "auth/KEY123", P + "auth/<secret>"),
        (P + "auth/a/b/c", P + "auth/<login>/<secret>"),
        (P + f"Accounts/{TOKEN}", P + "Accounts/<token>"),
        (P + f"Accounts/3/{TOKEN}", P + "Accounts/3/<token>"),
        (
            P + f"Accounts/picklist/rating/picklistdep/1/{TOKEN}",
            P + "Accounts/picklist/rating/picklistdep/1/<token>",
        ),
        (P + "index.php", P + "index.php"),
        ("/api.php/data/Account", "/api.php/data/Account"),
        ("/api.php/calendar/ics/abc", "/api.php/calendar/ics/<token>"),
    ],
)
def test_redact_path(path: str, shown: str) -> None:
    assert redact_path(path) == shown
    for secret in ("s3cret", "KEY123", TOKEN, "admin"):
        assert secret not in redact_path(path)
