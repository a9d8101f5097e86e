"""PostgreSQL databases for tests, each as the migrated template left it.

A copy of the template (CREATE DATABASE ... TEMPLATE) costs ~0.3 s. So a database a test
has finished with is handed to the next test when the test left its schema exactly as the
template's (same tables, columns, indexes, constraints, sequences): its rows are replaced
by the template's and its sequences restarted. A database whose schema changed (custom
fields, custom models) is dropped and a new copy made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import sqlalchemy as sa

from amity.store.engine import unpooled_engine

# everything in the public schema a migration or a test could create or change
SCHEMA_QUERY = r"""
SELECT md5(coalesce(string_agg(item, E'\n' ORDER BY item), '')) FROM (
  SELECT concat_ws(' ', c.relkind, c.relname, c.reloptions::text, a.attnum, a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped,
                   a.attstattarget, pg_get_expr(d.adbin, d.adrelid)) AS item
    FROM pg_class c
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT concat_ws(' ', conrelid::regclass, conname, pg_get_constraintdef(oid))
              FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc
             WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
             WHERE r.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
             WHERE left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'
) AS schema_items
"""
TABLES_QUERY = (
    "SELECT relname FROM pg_class WHERE relkind = 'r' "
    "AND relnamespace = 'public'::regnamespace ORDER BY relname"
)
SEQUENCES_QUERY = "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = 'public'"


class TemplateCopies:
    """Databases copied from one migrated template database on a PostgreSQL server."""

    def __init__(self, template_url: str) -> None:
        self.server, _, self.template = template_url.rpartition("/")
        self.admin = unpooled_engine(template_url).execution_options(isolation_level="AUTOCOMMIT")
        self.spare: list[str] = []
        engine = unpooled_engine(template_url)
        try:
            with engine.connect() as conn:
                self.schema = conn.exec_driver_sql(SCHEMA_QUERY).scalar()
                self.tables = list(conn.exec_driver_sql(TABLES_QUERY).scalars())
                self.rows = {t: read_rows(conn, t) for t in self.tables}
                self.sequences = [tuple(row) for row in conn.exec_driver_sql(SEQUENCES_QUERY)]
        finally:
            engine.dispose()  # no session may stay on a template that is copied

    @contextmanager
    def database(self, directory: Path | None = None) -> Iterator[str]:
        """The URL of a database in the template's state, for the duration of the block
        (`directory` is for SQLite's file)."""
        name = self.spare.pop() if self.spare else self.copy()
        yield f"{self.server}/{name}"
        try:
            reusable = self.reset(name)
        except sa.exc.DBAPIError:
            reusable = False
        if reusable:
            self.spare.append(name)
        else:
            self.drop(name)

    def copy(self) -> str:
        name = f"{self.template}_{uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def reset(self, name: str) -> bool:
        """Put the template's rows back if the schema is the template's; False otherwise."""
        with self.admin.connect() as conn:  # connections the test left open (servers killed)
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        engine = unpooled_engine(f"{self.server}/{name}")
        try:
            with engine.begin() as conn:
                if conn.exec_driver_sql(SCHEMA_QUERY).scalar() != self.schema:
                    return False
                for table in self.tables:
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                for table, (columns, rows) in self.rows.items():
                    if rows:
                        conn.execute(
                            sa.table(table, *map(sa.column, columns)).insert(),
                            [dict(zip(columns, row, strict=True)) for row in rows],
                        )
                for sequence, start in self.sequences:
                    conn.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART WITH {start}')
            return True
        finally:
            engine.dispose()

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self.spare:
            self.drop(name)
        self.admin.dispose()


def read_rows(conn: sa.Connection, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
    return list(result.keys()), [tuple(row) for row in result]
