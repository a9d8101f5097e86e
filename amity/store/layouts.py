"""SQL for stored layouts (admins' changes to the defaults) and users' list view choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class LayoutStore:
    def __init__(self, tables: Tables) -> None:
        self.layouts = tables.system("layouts")
        self.choices = tables.system("user_list_views")

    def stored(self, conn: Connection, model: str, view: str) -> dict[str, dict[str, Any]]:
        """name -> definition of the layouts an admin stored for a model's view."""
        t = self.layouts
        rows = conn.execute(
            sa.select(t.c.name, t.c.definition)
            .where(t.c.model == model, t.c.view == view)
            .order_by(t.c.name)
        )
        return {name: orjson.loads(definition) for name, definition in rows}

    def put(
        self,
        conn: Connection,
        model: str,
        view: str,
        name: str,
        definition: dict[str, Any],
        user_id: str,
        at: datetime,
    ) -> None:
        self.remove(conn, model, view, name)
        conn.execute(
            sa.insert(self.layouts).values(
                model=model,
                view=view,
                name=name,
                definition=orjson.dumps(definition).decode(),
                modified_user_id=user_id,
                date_modified=at,
            )
        )

    def remove(self, conn: Connection, model: str, view: str, name: str) -> bool:
        t = self.layouts
        result = conn.execute(
            sa.delete(t).where(t.c.model == model, t.c.view == view, t.c.name == name)
        )
        return bool(result.rowcount)

    def choice(self, conn: Connection, user_id: str, model: str) -> dict[str, Any]:
        t = self.choices
        raw = conn.execute(
            sa.select(t.c.settings).where(t.c.user_id == user_id, t.c.model == model)
        ).scalar()
        value = orjson.loads(raw) if raw else {}
        return value if isinstance(value, dict) else {}

    def put_choice(
        self, conn: Connection, user_id: str, model: str, settings: dict[str, Any], at: datetime
    ) -> None:
        t = self.choices
        conn.execute(sa.delete(t).where(t.c.user_id == user_id, t.c.model == model))
        conn.execute(
            sa.insert(t).values(
                user_id=user_id,
                model=model,
                settings=orjson.dumps(settings).decode(),
                date_modified=at,
            )
        )
