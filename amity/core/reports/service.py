"""services.reports: define, share, run (as jobs, on demand or on a schedule), read and
export reports.

Who may do what: any user (not a portal contact) who may list a model defines reports
on it; the owner (assigned_user_id) and administrators change and delete a report; the
owner, administrators and the users and teams in `shared_with` read it and its runs and
run it. Anyone else gets 404, as for a missing report. A run reads with the rights of
the user who runs it (a scheduled run: the owner's), so it holds only their rows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.jobs import Jobs
from amity.core.records import Records
from amity.core.reports.execute import Layout, layout_of, report_rows
from amity.core.reports.schedule import MAX_INTERVAL, UNITS, advance, next_after
from amity.core.reports.spec import ReportSpec, check_spec, parse_spec
from amity.errors import AmityError, BadRequest, Conflict, Forbidden, NotFound
from amity.schema.model import Model
from amity.schema.types import InvalidValue, parse_datetime
from amity.store.reports import ReportStore

if TYPE_CHECKING:
    from amity.core.erasure import Erased

log = logging.getLogger("amity.reports")
CHART_FIELDS = (
    "chart_name",
    "chart_type",
    "chart_options",
    "chart_title",
    "chart_rollover",
    "chart_description",
    "chart_series",
)
FIELDS = frozenset(
    {
        "name",
        "description",
        "primary_module",
        "columns",
        "filters",
        "order",
        "groups",
        "aggregates",
        "max_keep",
        "shared_with",
        "run_interval",
        "run_interval_unit",
        "next_run",
        *CHART_FIELDS,
    }
)
DEFAULT_KEEP = 10
REPORT_MODEL = "Report"  # the pseudo-model of report definitions' events
UNLOGGED = frozenset(
    ("id", "created_by", "modified_user_id", "date_entered", "date_modified", "last_run")
)
MAX_KEEP = 1000
WIRE_TIME = "%Y-%m-%d %H:%M:%S"


class Reports:
    """Reports of every model, their runs and the archived rows of the runs."""

    def __init__(self, records: Records, jobs: Jobs) -> None:
        self.records = records
        self.db = records.db
        self.jobs = jobs
        self.store = ReportStore(records.db)

    # -- definitions --------------------------------------------------------------------
    def define(self, actor: Actor, data: Any) -> str:
        """A new report owned by the actor; its id."""
        data = self._data(data)
        for required in ("name", "primary_module"):
            if not data.get(required):
                raise BadRequest("A report needs {name}", name=required)
        model = self._model(actor, data["primary_module"])
        spec = parse_spec(data)
        check_spec(model, spec, actor, self.records.settings.fiscal_year_start_month)
        now = utcnow()
        report_id = new_id()
        values = {
            "id": report_id,
            "name": _text(data, "name", 255),
            "description": _text(data, "description"),
            "primary_module": model.name,
            "spec": _json(spec.as_json()),
            "chart": _json({k: _text(data, k) for k in CHART_FIELDS}),
            "assigned_user_id": actor.user_id,
            "created_by": actor.user_id,
            "modified_user_id": actor.user_id,
            "date_entered": now,
            "date_modified": now,
            "max_keep": _keep(data.get("max_keep", DEFAULT_KEEP)),
            **_schedule(data, {}, now),
        }
        with self.db.write() as conn:
            self.store.insert(conn, values)
            if "shared_with" in data:
                self._share(conn, report_id, data["shared_with"])
            self._emit(conn, actor, report_id, "create", changed({}, values))
        return report_id

    def list_reports(
        self, actor: Actor, model_name: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The model's reports the actor may read, oldest first."""
        model = self._model(actor, model_name)
        with self.db.read() as conn:
            clause = self.store.readable_clause(
                None if actor.is_admin else actor.user_id,
                [] if actor.is_admin else self.store.team_ids_of(conn, actor.user_id),
            )
            rows, total = self.store.page(conn, model.name, clause, offset, limit)
            return self._render_reports(conn, rows), total

    def get(self, actor: Actor, model_name: str, report_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = self._readable(conn, actor, model_name, report_id)
            return self._render_reports(conn, [row])[0]

    def update(self, actor: Actor, model_name: str, report_id: str, data: Any) -> None:
        data = self._data(data)
        if "primary_module" in data and data["primary_module"] != model_name:
            raise BadRequest(
                "A report's primary_module cannot change", "define a new report instead"
            )
        with self.db.write() as conn:
            row = self._editable(conn, actor, model_name, report_id)
            model = self.records.model(row["primary_module"])
            spec = parse_spec(data, ReportSpec.from_json(orjson.loads(row["spec"])))
            check_spec(model, spec, actor, self.records.settings.fiscal_year_start_month)
            chart = orjson.loads(row["chart"])
            chart.update({k: _text(data, k) for k in CHART_FIELDS if k in data})
            now = utcnow()
            values: dict[str, Any] = {
                "spec": _json(spec.as_json()),
                "chart": _json(chart),
                "modified_user_id": actor.user_id,
                "date_modified": now,
                **_schedule(data, row, now),
            }
            if "name" in data:
                if not data["name"]:
                    raise BadRequest("A report needs {name}", name="name")
                values["name"] = _text(data, "name", 255)
            if "description" in data:
                values["description"] = _text(data, "description")
            if "max_keep" in data:
                values["max_keep"] = _keep(data["max_keep"])
            self.store.update(conn, report_id, values)
            if "shared_with" in data:
                self._share(conn, report_id, data["shared_with"])
            self._emit(conn, actor, report_id, "update", changed(row, values))

    def delete(self, actor: Actor, model_name: str, report_id: str) -> None:
        """A report with all its runs."""
        with self.db.write() as conn:
            self._editable(conn, actor, model_name, report_id)
            self.store.delete(conn, report_id)
            self._emit(conn, actor, report_id, "delete", {"deleted": [False, True]})

    # -- runs ---------------------------------------------------------------------------
    def run(self, actor: Actor, model_name: str, report_id: str) -> dict[str, Any]:
        """Start a run as the actor (a job); the run as GET /reports/{model}/{id} lists it."""
        with self.db.write() as conn:
            report = self._readable(conn, actor, model_name, report_id)
            run_id = self._start(conn, report, actor.user_id)
            return self._render_run(self.store.run(conn, run_id) or {})

    def runs(
        self, actor: Actor, model_name: str, report_id: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A report's runs the actor may read (their own; an admin: all), newest first."""
        with self.db.read() as conn:
            self._readable(conn, actor, model_name, report_id)
            run_by = None if actor.is_admin else actor.user_id
            rows, total = self.store.runs_page(conn, report_id, offset, limit, run_by)
        return [self._render_run(row) for row in rows], total

    def data(
        self, actor: Actor, model_name: str, run_id: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a finished run's rows and how many it holds."""
        with self.db.read() as conn:
            run = self._finished_run(conn, actor, model_name, run_id)
            rows = self.store.page_rows(conn, run_id, offset, limit)
        return [data for _, data in rows], int(run["record_count"])

    def export_rows(
        self, actor: Actor, model_name: str, run_id: str
    ) -> tuple[dict[str, Any], Layout, Iterator[dict[str, Any]]]:
        """A finished run, its columns, and all its rows (read in batches as consumed)."""
        with self.db.read() as conn:
            run = self._finished_run(conn, actor, model_name, run_id)
        layout: Layout = [(name, bool(num)) for name, num in orjson.loads(run["layout"] or "[]")]
        rows = (data for _, data in self.store.all_rows(self.db, run_id))
        return run, layout, rows

    def execute(self, run_id: str) -> None:
        """Run a queued run (the job reports.run): archive its rows, keep max_keep runs.
        Safe to run again: a finished run is left alone, an interrupted one starts over."""
        with self.db.write() as conn:
            run = self.store.run(conn, run_id)
            if run is None or run["state"] in ("done", "failed"):
                return
            self.store.update_run(conn, run_id, {"state": "running", "date_modified": utcnow()})
            self.store.clear_rows(conn, run_id)
        try:
            count, layout = self._archive(run)
        except AmityError as exc:  # the runner lost a right, a field went away, ...
            self._finish(run, "failed", 0, None, exc.message)
            return
        except Exception as exc:
            log.exception("report run %s failed", run_id)
            self._finish(run, "failed", 0, None, f"{type(exc).__name__}: {exc}")
            return
        self._finish(run, "done", count, layout, None)

    def run_due(self, now: datetime) -> int:
        """Start the runs of scheduled reports that are due at `now`, each as its owner
        (skipped while the owner is inactive); how many started."""
        started = 0
        with self.db.write() as conn:
            for report in self.store.due(conn, now):
                owner = self.records.accounts.user_by_id(conn, report["assigned_user_id"])
                if owner is not None and owner.get("status") == "Active":
                    self._start(conn, report, owner["id"])
                    started += 1
                step = next_after(
                    report["next_run"], report["run_interval"], report["run_interval_unit"], now
                )
                self.store.update(conn, report["id"], {"next_run": step})
        return started

    def clear_erased(self, conn: Connection, erased: Erased) -> None:
        """The erasure participant of report runs (core/erasure.py): a record's values go
        from every run that archived them, and erased values from grouped runs' groups."""
        self.store.erase_values(
            conn, erased.model.name, erased.record_id, erased.fields, erased.values
        )

    # -- helpers ------------------------------------------------------------------------
    def _emit(
        self, conn: Connection, actor: Actor, report_id: str, kind: str, changes: dict[str, Any]
    ) -> None:
        """A definition's change as an event (audit, change feed: administrators see it)."""
        self.records.writer.emit(
            conn,
            actor,
            model=REPORT_MODEL,
            record_id=report_id,
            kind=kind,
            changes=changes,
            at=utcnow(),
        )

    def _start(self, conn: Connection, report: dict[str, Any], user_id: str) -> str:
        now = utcnow()
        run_id = new_id()
        self.store.insert_run(
            conn,
            {
                "id": run_id,
                "report_id": report["id"],
                "reportdata_number": self.store.next_number(conn, report["id"]),
                "name": report["name"],
                "description": report["description"],
                "primary_module": report["primary_module"],
                "spec": report["spec"],
                "chart": report["chart"],
                "state": "queued",
                "run_by": user_id,
                "record_count": 0,
                "date_entered": now,
                "date_modified": now,
            },
        )
        job_id = self.jobs.defer(conn, "reports.run", {"run_id": run_id})
        self.store.update_run(conn, run_id, {"job_id": None if job_id is None else str(job_id)})
        return run_id

    def _archive(self, run: dict[str, Any]) -> tuple[int, Layout]:
        with self.db.read() as conn:
            user = self.records.accounts.user_by_id(conn, run["run_by"])
        if user is None or user.get("status") != "Active":
            raise Forbidden("The user who ran this report is no longer active")
        actor = Actor(
            user_id=user["id"],
            user_name=user["user_name"],
            is_admin=bool(user["is_admin"]),
            credential="report",
            source="job",
        )
        model = self.records.model(run["primary_module"])
        spec = ReportSpec.from_json(orjson.loads(run["spec"]))
        layout = layout_of(model, spec)
        count = 0
        batches = report_rows(self.records, actor, model, spec)
        with contextlib.closing(batches):  # a failure mid-way closes the streaming read
            for batch in batches:
                with self.db.write() as conn:
                    self.store.add_rows(conn, run["id"], count, batch)
                count += len(batch)
        return count, layout

    def _finish(
        self,
        run: dict[str, Any],
        state: str,
        count: int,
        layout: Layout | None,
        error: str | None,
    ) -> None:
        now = utcnow()
        with self.db.write() as conn:
            if state == "failed":
                self.store.clear_rows(conn, run["id"])
            self.store.update_run(
                conn,
                run["id"],
                {
                    "state": state,
                    "record_count": count,
                    "layout": None if layout is None else _json(layout),
                    "error": None if error is None else error[:500],
                    "date_modified": now,
                },
            )
            report = self.store.get(conn, run["report_id"])
            if report is None:
                return
            self.store.update(conn, report["id"], {"last_run": now})
            old = self.store.old_runs(conn, report["id"], report["max_keep"])
            self.store.delete_runs(conn, old)

    def _model(self, actor: Actor, name: Any) -> Model:
        """The model reports are read or made on: 404 unknown, 403 as the ACL says."""
        if actor.is_contact:
            raise Forbidden("Portal contacts may not use reports")
        if not isinstance(name, str):
            raise BadRequest("primary_module must be a model name")
        model = self.records.model(name)
        self.records.policy.check(actor, model, "list")
        return model

    def _readable(
        self, conn: Connection, actor: Actor, model_name: str, report_id: str
    ) -> dict[str, Any]:
        model = self._model(actor, model_name)
        row = self.store.get(conn, report_id)
        if row is None or row["primary_module"] != model.name or not self._reads(conn, actor, row):
            raise NotFound(
                "No {model} report with id {id}",
                "list the reports of {model} to see those you may read",
                model=model.name,
                id=report_id,
            )
        return row

    def _reads(self, conn: Connection, actor: Actor, row: dict[str, Any]) -> bool:
        if actor.is_admin or row["assigned_user_id"] == actor.user_id:
            return True
        shares = self.store.shared_with(conn, [row["id"]])[row["id"]]
        teams = set(self.store.team_ids_of(conn, actor.user_id))
        return actor.user_id in shares["users"] or bool(teams & set(shares["teams"]))

    def _editable(
        self, conn: Connection, actor: Actor, model_name: str, report_id: str
    ) -> dict[str, Any]:
        row = self._readable(conn, actor, model_name, report_id)
        if not actor.is_admin and row["assigned_user_id"] != actor.user_id:
            raise Forbidden("Only the owner of a report or an administrator may change it")
        return row

    def _finished_run(
        self, conn: Connection, actor: Actor, model_name: str, run_id: str
    ) -> dict[str, Any]:
        run = self.store.run(conn, run_id)
        if run is None or not (actor.is_admin or run["run_by"] == actor.user_id):
            # a run holds what its runner may read: others (the report's owner and readers
            # too) run the report themselves, with their own rights
            self._model(actor, model_name)
            raise NotFound("No report run with id {id}", id=run_id)
        try:
            self._readable(conn, actor, model_name, run["report_id"])
        except NotFound:
            raise NotFound("No report run with id {id}", id=run_id) from None
        if run["state"] != "done":
            raise Conflict(
                "Report run {id} is {state}",
                "wait until the run of report {report_id} is done",
                id=run_id,
                state=run["state"],
                model=run["primary_module"],
                report_id=run["report_id"],
            )
        return run

    def _share(self, conn: Connection, report_id: str, shared: Any) -> None:
        if shared is None:
            shared = {}
        if not isinstance(shared, dict) or set(shared) - {"users", "teams"}:
            raise BadRequest(
                "shared_with must be an object with lists of user and team ids",
                'e.g. {"users": ["<user id>"], "teams": ["<team id>"]}',
            )
        users = _ids(shared.get("users"))
        teams = _ids(shared.get("teams"))
        for user_id in users:
            if self.records.accounts.user_by_id(conn, user_id) is None:
                raise BadRequest("No user with id {id}", id=user_id)
        missing = sorted(set(teams) - self.store.known_teams(conn, teams))
        if missing:
            raise BadRequest("No team with id {id}", id=missing[0])
        self.store.set_shares(conn, report_id, users, teams)

    def _data(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise BadRequest("Missing data", 'send {"data": {field: value, ...}}')
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            raise BadRequest(
                "Unknown report field {name}",
                "report fields: {fields}",
                name=unknown[0],
                fields=", ".join(sorted(FIELDS)),
            )
        return dict(data)

    def _render_reports(self, conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        shares = self.store.shared_with(conn, [r["id"] for r in rows])
        names: dict[str, str | None] = {}
        for row in rows:
            owner = row["assigned_user_id"]
            if owner not in names:
                user = self.records.accounts.user_by_id(conn, owner)
                names[owner] = user["user_name"] if user else None
        return [
            render_report(row, shares[row["id"]], names[row["assigned_user_id"]]) for row in rows
        ]

    def _render_run(self, run: dict[str, Any]) -> dict[str, Any]:
        return render_run(run)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """[old, new] of a definition's columns that differ (not the bookkeeping ones)."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name not in UNLOGGED and before.get(name) != value
    }


def render_report(
    row: dict[str, Any], shared: dict[str, list[str]], owner_name: str | None
) -> dict[str, Any]:
    """A report on the wire: 1CRM's report fields, with the spec as JSON."""
    spec = orjson.loads(row["spec"])
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "primary_module": row["primary_module"],
        **spec_fields(row["primary_module"], spec),
        "run_method": "scheduled" if row["run_interval"] else "interactive",
        "next_run": _time(row["next_run"]),
        "run_interval": row["run_interval"],
        "run_interval_unit": row["run_interval_unit"],
        **orjson.loads(row["chart"]),
        "from_template": False,
        "from_template_id": None,
        "last_run": _time(row["last_run"]),
        "export_ids": None,
        "max_keep": row["max_keep"],
        "shared_with": shared,
        "assigned_user_id": row["assigned_user_id"],
        "assigned_user_name": owner_name,
        "created_by": row["created_by"],
        "modified_user_id": row["modified_user_id"],
        "date_entered": _time(row["date_entered"]),
        "date_modified": _time(row["date_modified"]),
    }


def render_run(run: dict[str, Any]) -> dict[str, Any]:
    """A run on the wire (1CRM's ReportData fields), with its state and job."""
    spec = orjson.loads(run["spec"])
    layout = orjson.loads(run["layout"]) if run.get("layout") else None
    fields = spec_fields(run["primary_module"], spec)
    if layout is not None:
        fields["columns_spec"] = [name for name, _ in layout]
    return {
        "id": run["id"],
        "reportdata_number": run["reportdata_number"],
        "full_name": f"{run['name']} #{run['reportdata_number']}",
        "report": run["name"],
        "report_id": run["report_id"],
        "cache_filename": None,
        **fields,
        "archived": run["state"] == "done",
        "name": run["name"],
        "description": run["description"],
        **orjson.loads(run["chart"]),
        "record_count": run["record_count"],
        "record_offsets": None,
        "primary_module": run["primary_module"],
        "export_ids": None,
        "status": run["state"],
        "error": run["error"],
        "run_by": run["run_by"],
        "job_id": run["job_id"],
        "date_entered": _time(run["date_entered"]),
        "date_modified": _time(run["date_modified"]),
    }


def spec_fields(module: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The *_spec fields of a report or run from its stored spec."""
    return {
        "sources_spec": {
            "module": module,
            "groups": spec["groups"],
            "aggregates": spec["aggregates"],
        },
        "columns_spec": spec["columns"],
        "filters_spec": sorted(spec["filters"]),
        "filter_values": spec["filters"],
        "sort_order": spec["order"],
        "groups": spec["groups"],
        "aggregates": spec["aggregates"],
    }


def _schedule(data: dict[str, Any], row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """run_interval, run_interval_unit and next_run from a request (over `row`'s)."""
    if not any(k in data for k in ("run_interval", "run_interval_unit", "next_run")):
        return {}
    interval = data.get("run_interval", row.get("run_interval"))
    unit = data.get("run_interval_unit", row.get("run_interval_unit")) or "days"
    if interval is None:
        return {"run_interval": None, "run_interval_unit": None, "next_run": None}
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not 1 <= interval <= MAX_INTERVAL
    ):
        raise BadRequest(
            "run_interval must be a whole number from 1 to {max_interval}",
            "or null for a report that runs only when asked",
            max_interval=MAX_INTERVAL,
        )
    if unit not in UNITS:
        raise BadRequest("run_interval_unit must be one of {units}", units=", ".join(UNITS))
    next_run = data.get("next_run")
    if next_run is not None:
        try:
            parsed = parse_datetime(next_run) if isinstance(next_run, str) else None
        except InvalidValue:
            parsed = None
        if parsed is None:
            raise BadRequest(
                "Invalid next_run {value!r}", "times are Y-m-d H:i:s in UTC", value=next_run
            )
        when = parsed
    elif "next_run" in data or row.get("next_run") is None:
        when = advance(now, interval, unit)
    else:
        when = row["next_run"]
    return {"run_interval": interval, "run_interval_unit": unit, "next_run": when}


def _keep(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_KEEP:
        raise BadRequest("max_keep must be a whole number from 1 to {max_keep}", max_keep=MAX_KEEP)
    return value


def _text(data: dict[str, Any], name: str, length: int | None = None) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or (length is not None and len(value) > length):
        raise BadRequest("{name} must be text", name=name)
    return value


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BadRequest(
            "shared_with must be an object with lists of user and team ids",
            'e.g. {"users": ["<user id>"], "teams": ["<team id>"]}',
        )
    return list(dict.fromkeys(value))


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime(WIRE_TIME)
