"""Auto-number columns of custom fields.

A database trigger gives every record inserted without a value the next number of the
field's row in the sequences table, so writers still on older metadata (another worker
process, a request that began before the field existed) number their records too; Amity's
own writes take the number first (records.create), and the trigger then leaves them be.
Names are checked identifiers (custom field and model name rules), quoted all the same.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.schema.custom_models import short_identifier
from amity.schema.model import Field
from amity.store.tables import VERSION, bare_table, version_column


def start_numbering(
    conn: Connection, table: str, fd: Field, sequence: str, sequences: sa.Table
) -> None:
    """Right after ADD COLUMN, in its transaction: the sequence starts after the live rows
    (number_existing numbers those), and the trigger numbers the rows inserted from now."""
    numbered = bare_table(table, fd)
    live = (
        conn.execute(
            sa.select(sa.func.count()).select_from(numbered).where(numbered.c.deleted == sa.false())
        ).scalar()
        or 0
    )
    conn.execute(sa.delete(sequences).where(sequences.c.name == sequence))
    conn.execute(sa.insert(sequences).values(name=sequence, value=live))
    for statement in _trigger_sql(conn, table, fd.name, sequence):
        conn.exec_driver_sql(statement)


def number_existing(conn: Connection, table: str, fd: Field) -> int:
    """Number the live rows still without a value 1, 2, 3 ..., oldest first (rows inserted
    since start_numbering already have theirs, from the trigger)."""
    t = bare_table(table, fd, sa.Column("date_entered", sa.DateTime()), version_column())
    column = t.c[fd.name]
    ordered = (
        sa.select(t.c.id, sa.func.row_number().over(order_by=(t.c.date_entered, t.c.id)).label("n"))
        .where(t.c.deleted == sa.false(), column.is_(None))
        .subquery()
    )
    result = conn.execute(
        sa.update(t)
        .values({fd.name: ordered.c.n, VERSION: t.c[VERSION] + 1})
        .where(t.c.id == ordered.c.id)
    )
    return int(result.rowcount or 0)


def stop_numbering(conn: Connection, table: str, column: str) -> None:
    """Drop the trigger (and on PostgreSQL its function)."""
    preparer = conn.dialect.identifier_preparer
    name = preparer.quote(trigger_name(table, column))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {preparer.quote(table)}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def trigger_name(table: str, column: str) -> str:
    return short_identifier(f"an_{table}_{column}")


def _trigger_sql(conn: Connection, table: str, column: str, sequence: str) -> list[str]:
    preparer = conn.dialect.identifier_preparer
    name = preparer.quote(trigger_name(table, column))
    qtable, qcolumn = preparer.quote(table), preparer.quote(column)
    literal = "'" + sequence.replace("'", "''") + "'"
    if conn.dialect.name == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  IF NEW.{qcolumn} IS NULL THEN\n"
            f"    UPDATE sequences SET value = value + 1 WHERE name = {literal}\n"
            f"      RETURNING value INTO NEW.{qcolumn};\n"
            f"  END IF;\n"
            f"  RETURN NEW;\n"
            f"END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {qtable} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}()",
        ]
    return [
        f"CREATE TRIGGER {name} AFTER INSERT ON {qtable} FOR EACH ROW "
        f"WHEN NEW.{qcolumn} IS NULL BEGIN "
        f"UPDATE sequences SET value = value + 1 WHERE name = {literal}; "
        f"UPDATE {qtable} SET {qcolumn} = (SELECT value FROM sequences WHERE name = {literal}) "
        f"WHERE id = NEW.id; END",
    ]
