"""Access policy seam: every read and write asks it (amity/core/acl.py is the real one).

`read_conditions` returns extra conditions that restrict which records an actor may
see (a record outside them answers 404 exactly like a missing one); `check` refuses an
action on a model, or on a record (`record` holds its stored values; for "create" the
values about to be inserted; for "edit", `changes` the values about to be written);
`create_defaults` are values a new record gets when the
actor's data leaves them empty (a portal contact's case is linked to the contact).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from amity.core.actor import Actor
from amity.schema.model import Model
from amity.store.conditions import Condition

Action = Literal["list", "view", "create", "edit", "delete", "relate", "favorite"]


class AccessPolicy(Protocol):
    def read_conditions(self, actor: Actor, model: Model) -> list[Condition]: ...

    def check(
        self,
        actor: Actor,
        model: Model,
        action: Action,
        record: dict[str, object] | None = None,
        changes: Mapping[str, object] | None = None,
    ) -> None: ...

    def create_defaults(self, actor: Actor, model: Model) -> dict[str, object]: ...


class AllowAll:
    """Every authenticated user may do everything (tests and tools that need no roles)."""

    def read_conditions(self, actor: Actor, model: Model) -> list[Condition]:
        return []

    def check(
        self,
        actor: Actor,
        model: Model,
        action: Action,
        record: dict[str, object] | None = None,
        changes: Mapping[str, object] | None = None,
    ) -> None:
        return None

    def create_defaults(self, actor: Actor, model: Model) -> dict[str, object]:
        return {}
