"""SQL for reports: definitions, shares, runs and the archived rows of runs.

Run rows live in one table (report_run_rows), each with the id of the record it came
from, so one function (`erase_values`) can clear a record's values from every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database

ROW_BATCH = 2000  # archived rows read per query when a run is exported


class ReportStore:
    """The rows of reports and their runs, on the caller's connection."""

    def __init__(self, db: Database) -> None:
        tables = db.tables
        self.reports = tables.system("reports")
        self.shares = tables.system("report_shares")
        self.runs = tables.system("report_runs")
        self.rows = tables.system("report_run_rows")
        self.teams = tables.system("acl_teams")
        self.members = tables.system("acl_team_members")

    # -- reports ------------------------------------------------------------------------
    def get(self, conn: Connection, report_id: str) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.reports).where(self.reports.c.id == report_id)).first()
        return dict(row._mapping) if row else None

    def readable_clause(self, user_id: str | None, team_ids: Sequence[str]) -> Any:
        """Reports a user may read: their own and those shared with them or their teams
        (None: an administrator, who reads all)."""
        if user_id is None:
            return sa.true()
        s = self.shares.c
        shared = sa.select(s.report_id).where(
            sa.or_(
                sa.and_(s.kind == "user", s.member_id == user_id),
                sa.and_(s.kind == "team", s.member_id.in_(list(team_ids) or [""])),
            )
        )
        return sa.or_(self.reports.c.assigned_user_id == user_id, self.reports.c.id.in_(shared))

    def page(
        self, conn: Connection, model: str, readable: Any, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A model's reports that `readable` lets through, oldest first, and their total."""
        r = self.reports.c
        where = [r.primary_module == model, readable]
        rows = conn.execute(
            sa.select(self.reports)
            .where(*where)
            .order_by(r.date_entered, r.id)
            .offset(offset)
            .limit(limit)
        ).mappings()
        total = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
        return [dict(row) for row in rows], int(total)

    def insert(self, conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.reports).values(values))

    def update(self, conn: Connection, report_id: str, values: dict[str, Any]) -> None:
        conn.execute(sa.update(self.reports).where(self.reports.c.id == report_id).values(values))

    def delete(self, conn: Connection, report_id: str) -> None:
        """A report with its shares, runs and their rows."""
        run_ids = sa.select(self.runs.c.id).where(self.runs.c.report_id == report_id)
        conn.execute(sa.delete(self.rows).where(self.rows.c.run_id.in_(run_ids)))
        conn.execute(sa.delete(self.runs).where(self.runs.c.report_id == report_id))
        conn.execute(sa.delete(self.shares).where(self.shares.c.report_id == report_id))
        conn.execute(sa.delete(self.reports).where(self.reports.c.id == report_id))

    def due(self, conn: Connection, now: datetime) -> list[dict[str, Any]]:
        """Scheduled reports whose next run is at or before `now`."""
        r = self.reports.c
        stmt = (
            sa.select(self.reports)
            .where(r.next_run.is_not(None), r.next_run <= now, r.run_interval.is_not(None))
            .order_by(r.next_run, r.id)
        )
        return [dict(row) for row in conn.execute(stmt).mappings()]

    # -- shares -------------------------------------------------------------------------
    def shared_with(
        self, conn: Connection, report_ids: Sequence[str]
    ) -> dict[str, dict[str, list[str]]]:
        """{report id: {"users": [...], "teams": [...]}} for these reports."""
        out: dict[str, dict[str, list[str]]] = {i: {"users": [], "teams": []} for i in report_ids}
        if not report_ids:
            return out
        s = self.shares.c
        stmt = (
            sa.select(s.report_id, s.kind, s.member_id)
            .where(s.report_id.in_(list(report_ids)))
            .order_by(s.report_id, s.kind, s.member_id)
        )
        for row in conn.execute(stmt):
            out[row.report_id][f"{row.kind}s"].append(row.member_id)
        return out

    def team_ids_of(self, conn: Connection, user_id: str) -> list[str]:
        m = self.members.c
        return list(conn.execute(sa.select(m.team_id).where(m.user_id == user_id)).scalars())

    def known_teams(self, conn: Connection, team_ids: Sequence[str]) -> set[str]:
        t = self.teams.c
        return set(conn.execute(sa.select(t.id).where(t.id.in_(list(team_ids)))).scalars())

    def set_shares(
        self, conn: Connection, report_id: str, users: Iterable[str], teams: Iterable[str]
    ) -> None:
        conn.execute(sa.delete(self.shares).where(self.shares.c.report_id == report_id))
        values = [{"report_id": report_id, "kind": "user", "member_id": u} for u in users]
        values += [{"report_id": report_id, "kind": "team", "member_id": t} for t in teams]
        if values:
            conn.execute(sa.insert(self.shares), values)

    # -- runs ---------------------------------------------------------------------------
    def run(self, conn: Connection, run_id: str) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.runs).where(self.runs.c.id == run_id)).first()
        return dict(row._mapping) if row else None

    def runs_page(
        self,
        conn: Connection,
        report_id: str,
        offset: int,
        limit: int,
        run_by: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """A report's runs (only those `run_by` made, when given), newest first, and how
        many there are."""
        r = self.runs.c
        where = [r.report_id == report_id]
        if run_by is not None:
            where.append(r.run_by == run_by)
        rows = conn.execute(
            sa.select(self.runs)
            .where(*where)
            .order_by(r.reportdata_number.desc())
            .offset(offset)
            .limit(limit)
        ).mappings()
        total = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
        return [dict(row) for row in rows], int(total)

    def next_number(self, conn: Connection, report_id: str) -> int:
        r = self.runs.c
        last = conn.execute(
            sa.select(sa.func.max(r.reportdata_number)).where(r.report_id == report_id)
        ).scalar_one()
        return int(last or 0) + 1

    def insert_run(self, conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.runs).values(values))

    def update_run(self, conn: Connection, run_id: str, values: dict[str, Any]) -> None:
        conn.execute(sa.update(self.runs).where(self.runs.c.id == run_id).values(values))

    def old_runs(self, conn: Connection, report_id: str, keep: int) -> list[str]:
        """The finished runs of a report beyond the newest `keep`."""
        r = self.runs.c
        stmt = (
            sa.select(r.id)
            .where(r.report_id == report_id, r.state.in_(("done", "failed")))
            .order_by(r.reportdata_number.desc())
            .offset(keep)
        )
        return list(conn.execute(stmt).scalars())

    def delete_runs(self, conn: Connection, run_ids: Sequence[str]) -> None:
        if run_ids:
            conn.execute(sa.delete(self.rows).where(self.rows.c.run_id.in_(list(run_ids))))
            conn.execute(sa.delete(self.runs).where(self.runs.c.id.in_(list(run_ids))))

    # -- archived rows ------------------------------------------------------------------
    def clear_rows(self, conn: Connection, run_id: str) -> None:
        conn.execute(sa.delete(self.rows).where(self.rows.c.run_id == run_id))

    def add_rows(
        self,
        conn: Connection,
        run_id: str,
        start: int,
        rows: Sequence[tuple[str | None, dict[str, Any]]],
    ) -> None:
        """Archive rows (source record id, values) at positions start, start + 1, ..."""
        if rows:
            conn.execute(
                sa.insert(self.rows),
                [
                    {
                        "run_id": run_id,
                        "position": start + n,
                        "record_id": record_id,
                        "data": orjson.dumps(data).decode(),
                    }
                    for n, (record_id, data) in enumerate(rows)
                ],
            )

    def page_rows(
        self, conn: Connection, run_id: str, offset: int, limit: int
    ) -> list[tuple[str | None, dict[str, Any]]]:
        """Rows at positions offset .. offset + limit - 1 (an index range)."""
        r = self.rows.c
        stmt = (
            sa.select(r.record_id, r.data)
            .where(r.run_id == run_id, r.position >= offset, r.position < offset + limit)
            .order_by(r.position)
        )
        return [(row.record_id, orjson.loads(row.data)) for row in conn.execute(stmt)]

    def all_rows(self, db: Database, run_id: str) -> Iterator[tuple[str | None, dict[str, Any]]]:
        """Every row of a run in order, ROW_BATCH at a time (one short read each), so an
        export of a million rows holds one batch in memory."""
        start = 0
        while True:
            with db.read() as conn:
                batch = self.page_rows(conn, run_id, start, ROW_BATCH)
            yield from batch
            if len(batch) < ROW_BATCH:
                return
            start += ROW_BATCH

    def erase_values(
        self,
        conn: Connection,
        model: str,
        record_id: str,
        fields: Sequence[str],
        values: Sequence[str] = (),
    ) -> int:
        """Clear `fields` (set them to None) in every archived row that came from the
        record `model`/`record_id`, and in grouped rows where they hold one of `values`
        (GDPR erasure); how many rows changed."""
        r, runs = self.rows.c, self.runs.c
        stmt = (
            sa.select(r.run_id, r.position, r.data)
            .select_from(self.rows.join(self.runs, runs.id == r.run_id))
            .where(r.record_id == record_id, runs.primary_module == model)
        )
        changed = 0
        for row in conn.execute(stmt).all():
            data = orjson.loads(row.data)
            if not any(data.get(name) is not None for name in fields if name in data):
                continue
            for name in fields:
                if name in data:
                    data[name] = None
            conn.execute(
                sa.update(self.rows)
                .where(r.run_id == row.run_id, r.position == row.position)
                .values(data=orjson.dumps(data).decode())
            )
            changed += 1
        return changed + self._erase_group_values(conn, model, fields, values)

    def _erase_group_values(
        self, conn: Connection, model: str, fields: Sequence[str], values: Sequence[str]
    ) -> int:
        """Grouped runs' rows come from no one record: a group value of an erased field
        that is one of the erased values goes (the group's counts stay)."""
        if not values:
            return 0
        r, runs = self.rows.c, self.runs.c
        stmt = (
            sa.select(r.run_id, r.position, r.data)
            .select_from(self.rows.join(self.runs, runs.id == r.run_id))
            .where(r.record_id.is_(None), runs.primary_module == model)
        )
        wanted, changed = set(values), 0
        for row in conn.execute(stmt).all():
            data = orjson.loads(row.data)
            hits = [n for n in fields if data.get(n) is not None and str(data[n]) in wanted]
            if not hits:
                continue
            data.update(dict.fromkeys(hits))
            conn.execute(
                sa.update(self.rows)
                .where(r.run_id == row.run_id, r.position == row.position)
                .values(data=orjson.dumps(data).decode())
            )
            changed += 1
        return changed
