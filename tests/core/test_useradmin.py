"""Who may change a user record: the rule the access policy applies to non-administrators."""

from __future__ import annotations

import pytest

from amity.core.actor import Actor
from amity.core.useradmin import PROFILE_FIELDS, check_user_change
from amity.errors import Forbidden

ME = Actor(user_id="u1", user_name="me")
MINE = {"id": "u1", "status": "Active", "is_admin": False, "title": "Clerk"}


def test_own_profile_fields_may_change() -> None:
    check_user_change(ME, "edit", MINE, {name: "x" for name in PROFILE_FIELDS})


def test_a_written_back_status_is_no_change() -> None:
    check_user_change(ME, "edit", MINE, {"status": "Active", "title": "Clerk", "last_name": "M"})


@pytest.mark.parametrize(
    "changes", [{"status": "Inactive"}, {"title": "Boss"}, {"assigned_user_id": "u1"}]
)
def test_other_fields_of_ones_own_user_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(Forbidden) as caught:
        check_user_change(ME, "edit", MINE, changes)
    assert all(name in caught.value.hint for name in PROFILE_FIELDS)  # the hint names them


@pytest.mark.parametrize(
    ("action", "record"),
    [
        ("create", None),
        ("edit", {"id": "u2"}),
        ("delete", {"id": "u2"}),
        ("delete", MINE),
        ("relate", MINE),
    ],
)
def test_everything_else_is_for_administrators(
    action: str, record: dict[str, object] | None
) -> None:
    with pytest.raises(Forbidden, match="Only administrators"):
        check_user_change(ME, action, record, {"first_name": "x"})


def test_an_edit_of_unknown_changes_is_refused() -> None:
    """A link that writes a field of the user record (no changes named) is not a profile
    edit."""
    with pytest.raises(Forbidden, match="Only administrators"):
        check_user_change(ME, "edit", MINE)
