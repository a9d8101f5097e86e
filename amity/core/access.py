"""Access policy seam: every read and write asks it; the ACL issue replaces AllowAll.

`read_conditions` returns extra conditions that restrict which records an actor may
see (a record outside them answers 404 exactly like a missing one); `check` refuses an
action on a model.
"""

from __future__ import annotations

from typing import Literal, Protocol

from amity.core.actor import Actor
from amity.schema.model import Model
from amity.store.conditions import Condition

Action = Literal["list", "view", "create", "edit", "delete", "relate"]


class AccessPolicy(Protocol):
    def read_conditions(self, actor: Actor, model: Model) -> list[Condition]: ...

    def check(self, actor: Actor, model: Model, action: Action,
              record: dict[str, object] | None = None) -> None: ...


class AllowAll:
    """Every authenticated user may do everything (until roles arrive)."""

    def read_conditions(self, actor: Actor, model: Model) -> list[Condition]:
        return []

    def check(self, actor: Actor, model: Model, action: Action,
              record: dict[str, object] | None = None) -> None:
        return None
