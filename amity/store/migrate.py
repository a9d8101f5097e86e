"""Create or upgrade the schema: missing tables, columns and indexes are added."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from procrastinate import __version__ as procrastinate_version

from amity.config import sqlite_file
from amity.errors import ServiceUnavailable
from amity.schema.builtin.catalog import STARTING_ROWS
from amity.store.amounts import ScaledAmount, exact_numeric
from amity.store.batch import lock_keys
from amity.store.engine import Database, describe_url
from amity.store.procrastinate import VERSION_KEY, ProcrastinateStore
from amity.store.tables import COUNT_SHARDS

SCHEMA_VERSION = "1"
MIGRATION_LOCK = "amity schema migration"


def migrate(db: Database) -> list[str]:
    """Bring the database up to the current metadata; returns what was done."""
    done: list[str] = []
    with db.write() as conn:
        if not db.is_sqlite:  # processes starting together migrate one after the other
            lock_keys(conn, [MIGRATION_LOCK])
        inspector = sa.inspect(conn)
        existing = set(inspector.get_table_names())
        have_indexes = index_names(conn)
        for table in db.tables.metadata.sorted_tables:
            if table.name not in existing:
                table.create(conn)
                done.append(f"created table {table.name}")
                add_starting_rows(db, conn, table)
                continue
            have_cols = {c["name"]: c for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have_cols:
                    add_column(conn, table, column)
                    done.append(f"added column {table.name}.{column.name}")
                elif exact_amount_due(conn, column, have_cols[column.name]["type"]):
                    convert_amount_column(conn, table, column)
                    done.append(f"made {table.name}.{column.name} an exact numeric column")
            for index in table.indexes:
                if index.name not in have_indexes:
                    index.create(conn)
                    tune_index_statistics(conn, index)
                    done.append(f"created index {index.name}")
        seed_counts(db, conn)
        info = db.tables.system("schema_info")
        if not db.is_sqlite and ProcrastinateStore.apply_schema(conn):
            done.append("created the job queue (procrastinate)")
            conn.execute(sa.delete(info).where(info.c.key == VERSION_KEY))
            conn.execute(sa.insert(info).values(key=VERSION_KEY, value=procrastinate_version))
        conn.execute(sa.delete(info).where(info.c.key == "version"))
        conn.execute(sa.insert(info).values(key="version", value=SCHEMA_VERSION))
    return done


def schema_version(db: Database) -> str | None:
    """The version `migrate` recorded; None for a database it never ran on (a SQLite file
    that does not exist is not created). ServiceUnavailable, one line, when the database
    cannot be reached: a SQLite directory that does not exist, a server that refuses."""
    shown = describe_url(db.settings.database_url)
    database = sqlite_file(db.settings.database_url)
    if database is not None:
        if not database.parent.is_dir():
            raise ServiceUnavailable(
                "cannot open the database {shown}: the directory {directory} does not exist",
                "create it, or set AMITY_DATABASE_URL",
                shown=shown,
                directory=database.parent.absolute(),
            )
        if not database.exists():
            return None
    try:
        with db.read() as conn:
            if not sa.inspect(conn).has_table("schema_info"):
                return None
            info = db.tables.system("schema_info")
            version = conn.execute(
                sa.select(info.c.value).where(info.c.key == "version")
            ).scalar_one_or_none()
    except sa.exc.DBAPIError as exc:
        raise unreachable(shown, exc) from None
    return None if version is None else str(version)


def unreachable(shown: str, exc: sa.exc.DBAPIError) -> ServiceUnavailable:
    """A driver's connection error as one line (its message can span several)."""
    reason = "; ".join(line.strip() for line in str(exc.orig).splitlines() if line.strip())
    if "does not exist" in reason and "database" in reason:
        url = sa.engine.make_url(shown)
        where = "".join(
            f"{flag} {value} "
            for flag, value in (("-h", url.host), ("-p", url.port), ("-U", url.username))
            if value
        )
        return ServiceUnavailable(
            "cannot connect to the database {shown}: {reason}",
            "create it with `createdb {where}{database}`, then run `amity init`",
            shown=shown,
            reason=reason,
            where=where,
            database=url.database,
        )
    return ServiceUnavailable(
        "cannot connect to the database {shown}: {reason}", shown=shown, reason=reason
    )


EXPRESSION_STATISTICS = 1000


def tune_index_statistics(conn: sa.Connection, index: sa.Index) -> None:
    """PostgreSQL samples too little of an indexed expression (lower(name)) to see that a
    rare prefix is rare; a larger statistics target keeps such pages on the cheap plan."""
    if conn.dialect.name != "postgresql":
        return
    for position, expr in enumerate(index.expressions, start=1):
        if not isinstance(expr, sa.Column):
            conn.exec_driver_sql(
                f'ALTER INDEX "{index.name}" ALTER COLUMN {position} '
                f"SET STATISTICS {EXPRESSION_STATISTICS}"
            )


def index_names(conn: sa.Connection) -> set[str]:
    """Names of the indexes that exist (reflection skips expression indexes, so ask)."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return {row[0] for row in conn.exec_driver_sql(sql)}


def add_column(conn: sa.Connection, table: sa.Table, column: sa.Column) -> None:  # type: ignore[type-arg]
    """Add a column; one with a server default gets it (and its NOT NULL) on old rows too."""
    col_type = column.type.compile(dialect=conn.dialect)
    preparer = conn.dialect.identifier_preparer
    default = ""
    if isinstance(column.server_default, sa.DefaultClause):
        value = column.server_default.arg
        text = value if isinstance(value, str) else str(value)
        default = f" DEFAULT {text}" + ("" if column.nullable else " NOT NULL")
    conn.exec_driver_sql(
        f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
        f"{preparer.format_column(column)} {col_type}{default}"
    )


def add_starting_rows(db: Database, conn: sa.Connection, table: sa.Table) -> None:
    """The records a new table of a built-in model starts with (the standard tax codes)."""
    for model_name, rows in STARTING_ROWS.items():
        if db.tables.models.get(model_name) is table:
            now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
            conn.execute(
                sa.insert(table),
                [
                    {**row, "deleted": False, "date_entered": now, "date_modified": now}
                    for row in rows
                ],
            )


def exact_amount_due(conn: sa.Connection, column: sa.Column, have: Any) -> bool:  # type: ignore[type-arg]
    """Whether an amount column is still the integer count that databases made before
    amounts were NUMERIC on PostgreSQL hold (converted once: then it is numeric)."""
    return (
        isinstance(column.type, ScaledAmount)
        and exact_numeric(conn.dialect)
        and isinstance(have, sa.Integer)
    )


def convert_amount_column(conn: sa.Connection, table: sa.Table, column: sa.Column) -> None:  # type: ignore[type-arg]
    """An integer count of 10**-scale units becomes NUMERIC(digits, scale), in place and
    exactly (the division is numeric, not floating point)."""
    assert isinstance(column.type, ScaledAmount)
    preparer = conn.dialect.identifier_preparer
    name = preparer.format_column(column)
    conn.exec_driver_sql(
        f"ALTER TABLE {preparer.format_table(table)} ALTER COLUMN {name} "
        f"TYPE {column.type.compile(dialect=conn.dialect)} "
        f"USING {name}::numeric / {10**column.type.scale}"
    )


def seed_counts(db: Database, conn: sa.Connection) -> None:
    """Make sure every model has its count rows, counting once when they are new."""
    counts = db.tables.system("record_counts")
    have = {row.model for row in conn.execute(sa.select(counts.c.model).distinct())}
    for name, table in db.tables.models.items():
        if name in have:
            continue
        total = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.deleted == sa.false())
        ).scalar_one()
        conn.execute(sa.insert(counts), count_rows(name, total))


def recount(db: Database, conn: sa.Connection, model_name: str) -> int:
    """Recompute a model's kept count from its rows (after bulk loads)."""
    counts = db.tables.system("record_counts")
    table = db.tables.models[model_name]
    total = conn.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.deleted == sa.false())
    ).scalar_one()
    conn.execute(sa.delete(counts).where(counts.c.model == model_name))
    conn.execute(sa.insert(counts), count_rows(model_name, total))
    return int(total)


def count_rows(model_name: str, total: int) -> list[dict[str, object]]:
    """The record_counts rows of a model holding `total` records."""
    return [
        {"model": model_name, "shard": s, "n": total if s == 0 else 0} for s in range(COUNT_SHARDS)
    ]
