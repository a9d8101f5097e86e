"""Reads built from metadata: conditions, order and paging become one SELECT.

Text keys are compared case-folded and byte-wise, so a prefix is an index range; counts
of unfiltered lists come from the kept per-model counts, other counts from the
(deleted, key, id) indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from amity.lru import LruCache
from amity.schema.model import Field, Link, Model
from amity.schema.registry import Registry
from amity.store import conditions as c
from amity.store.engine import Database, Prepared
from amity.store.tables import TEXT_FILTER_TYPES, VERSION, Tables

Clause = sa.ColumnElement[bool]
LINK_DATA = "link:"  # row key holding a related row's join-table fields
BY_ID_CACHE_SIZE = 1024  # compiled reads by id kept: one per model and `fields` list sent


POSITION = "_position"  # a row's sort values in select_rows(positions=True)


@dataclass(frozen=True)
class Scope:
    """Restricts a list to records related through `link` to `parent_id` of `parent`
    (or to any live record of `parent` when parent_id is None)."""

    parent: Model
    link: Link
    parent_id: str | None


def fold_text(text: str, dialect: str) -> str:
    """Fold a client's text the way the database folds column values."""
    if dialect == "sqlite":  # SQLite's lower() folds ASCII letters only
        return text.translate(_ASCII_LOWER)
    if text.isascii():
        return text.lower()
    # PostgreSQL maps each character on its own (no final sigma, İ -> i); str.lower() does not
    return "".join(_SIMPLE_LOWER.get(ch) or ch.lower() for ch in text)


_ASCII_LOWER = {i: i + 32 for i in range(ord("A"), ord("Z") + 1)}
_SIMPLE_LOWER = {"\u0130": "i"}  # the one character whose str.lower() is two characters


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """[low, high) holding exactly the strings that start with `prefix` (code point order)."""
    chars = list(prefix)
    while chars:
        last = ord(chars[-1])
        if last < 0x10FFFF:
            nxt = last + 1
            if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be stored; skip them
                nxt = 0xE000
            chars[-1] = chr(nxt)
            return prefix, "".join(chars)
        chars.pop()
    return prefix, None


class QueryBuilder:
    """Turns metadata-checked conditions and orders into SQL for one database."""

    def __init__(self, registry: Registry, tables: Tables) -> None:
        self.registry = registry
        self.tables = tables
        self.dialect = tables.dialect
        self._by_id: LruCache[tuple[str, tuple[str, ...]], Prepared] = LruCache(BY_ID_CACHE_SIZE)

    # -- conditions -------------------------------------------------------------------
    def where(self, model: Model, table: sa.Table, cond: c.Condition) -> Clause:
        col = table.c
        if isinstance(cond, c.Prefix):
            return sa.or_(*(self._prefix(col[name], cond.text) for name in cond.fields))
        if isinstance(cond, c.Contains):
            needle = like_escaped(fold_text(cond.text, self.dialect))
            return self.tables.fold(col[cond.field]).like(f"%{needle}%", escape="\\")
        if isinstance(cond, c.PersonName):
            return self._person_name(col[cond.first], col[cond.last], cond.text)
        if isinstance(cond, c.Equals):
            column = col[cond.field]
            clause: Clause = (
                column.in_(cond.values) if len(cond.values) != 1 else (column == cond.values[0])
            )
            return sa.or_(sa.not_(clause), column.is_(None)) if cond.negate else clause
        if isinstance(cond, c.Range):
            column = col[cond.field]
            parts = []
            if cond.low is not None:
                parts.append(column >= cond.low)
            if cond.high is not None:
                parts.append(column < cond.high)
            inside = sa.and_(column.is_not(None), *parts)
            return sa.and_(column.is_not(None), sa.not_(inside)) if cond.negate else inside
        if isinstance(cond, c.Compare):
            column = col[cond.field]
            compared: Clause = {
                "lt": column < cond.value,
                "lte": column <= cond.value,
                "gt": column > cond.value,
                "gte": column >= cond.value,
            }[cond.op]
            return compared
        if isinstance(cond, c.Empty):
            column = col[cond.field]
            empty = sa.or_(column.is_(None), column == "") if cond.text else column.is_(None)
            return sa.not_(empty) if cond.negate else empty
        if isinstance(cond, c.ContainsOption):
            likes = [column_contains(col[cond.field], opt) for opt in cond.options]
            return sa.and_(*likes) if cond.all else sa.or_(*likes)
        if isinstance(cond, c.RefName):
            target = self.registry.model(cond.target)
            ttable = self.tables.model(target)
            match = (
                self._person_name(ttable.c.first_name, ttable.c.last_name, cond.text)
                if target.person
                else self._prefix(ttable.c.name, cond.text)
            )
            ids = sa.select(ttable.c.id).where(ttable.c.deleted == sa.false(), match)
            return col[cond.id_field].in_(ids)
        if isinstance(cond, c.AnyOf):
            return sa.or_(*(self.where(model, table, sub) for sub in cond.conditions))
        if isinstance(cond, c.Related):
            parent = self.registry.model(cond.parent)
            link = self.registry.link(parent, cond.link)
            return self.scope_clause(table, Scope(parent, link, cond.parent_id))
        raise TypeError(f"unknown condition {cond!r}")

    def _prefix(self, column: sa.ColumnElement[Any], text: str) -> Clause:
        low, high = prefix_bounds(fold_text(text, self.dialect))
        key = self.tables.fold(column)
        if high is None:
            return key >= low
        return sa.and_(key >= low, key < high)

    def _person_name(self, first: sa.Column[Any], last: sa.Column[Any], text: str) -> Clause:
        return sa.or_(*self._person_options(first, last, text))

    def _person_options(
        self, first: sa.Column[Any], last: sa.Column[Any], text: str
    ) -> list[Clause]:
        words = text.split()
        options = [self._prefix(first, text), self._prefix(last, text)]
        if len(words) >= 2:
            options.append(
                sa.and_(self._prefix(first, words[0]), self._prefix(last, " ".join(words[1:])))
            )
        return options

    def _alternatives(self, model: Model, table: sa.Table, cond: c.Condition) -> list[Clause]:
        """The branches of a condition that any one of several matches may meet (a search
        over several fields); a single branch for any other condition."""
        if isinstance(cond, c.Prefix):
            return [self._prefix(table.c[name], cond.text) for name in cond.fields]
        if isinstance(cond, c.PersonName):
            return self._person_options(table.c[cond.first], table.c[cond.last], cond.text)
        if isinstance(cond, c.AnyOf):
            return [b for sub in cond.conditions for b in self._alternatives(model, table, sub)]
        return [self.where(model, table, cond)]

    # -- order ------------------------------------------------------------------------
    def order_by(
        self, model: Model, table: sa.Table, keys: Sequence[c.OrderKey], sort: bool = False
    ) -> list[sa.ColumnElement[Any]]:
        """ORDER BY terms of `keys`, the id last. `sort` (SQLite): terms no index can
        deliver, so that the planner filters first and sorts what it found."""
        out: list[sa.ColumnElement[Any]] = []
        for expr, desc in self.sort_keys(model, table, keys):
            if sort:
                expr = UnaryExpression(expr, operator=operators.custom_op("+"))
            out.append(expr.desc() if desc else expr.asc())
        return out

    def sort_keys(
        self, model: Model, table: sa.Table, keys: Sequence[c.OrderKey]
    ) -> list[tuple[sa.ColumnElement[Any], bool]]:
        """The expressions a list is sorted by and whether each is descending: those of
        `keys`, then the id (in the direction of the last key)."""
        out = [
            (expr, key.desc) for key in keys for expr in self._order_exprs(model, table, key.field)
        ]
        out.append((table.c.id, bool(keys) and keys[-1].desc))
        return out

    def after_position(
        self, sort_keys: Sequence[tuple[sa.ColumnElement[Any], bool]], values: Sequence[Any]
    ) -> Clause:
        """Rows that sort after the row whose sort expressions had `values` (a keyset
        cursor): lexicographically, with NULLs where the database sorts them (SQLite:
        below every value; PostgreSQL: above)."""
        if len(values) != len(sort_keys):
            raise ValueError("a position names one value per sort key")
        options = []
        for i, (expr, desc) in enumerate(sort_keys):
            later = self._later(expr, desc, values[i])
            if later is None:
                continue
            same = [
                e.is_(None) if v is None else e == v
                for (e, _), v in zip(sort_keys, values, strict=True)
            ]
            options.append(sa.and_(*same[:i], later))
        if not options:
            return sa.false()
        bound = self._from(*sort_keys[0], values[0])  # where the index range starts
        after = sa.or_(*options)
        return after if bound is None else sa.and_(bound, after)

    def _from(self, expr: sa.ColumnElement[Any], desc: bool, value: Any) -> Clause | None:
        """Rows whose `expr` sorts at or after `value`: redundant beside the keyset's OR,
        but a range the database can seek in the sort index to (None: every row)."""
        nulls_first = desc != (self.dialect == "sqlite")
        if value is None:
            return None if nulls_first else expr.is_(None)
        at_or_beyond = expr <= value if desc else expr >= value
        return at_or_beyond if nulls_first else sa.or_(at_or_beyond, expr.is_(None))

    def _later(self, expr: sa.ColumnElement[Any], desc: bool, value: Any) -> Clause | None:
        """Rows whose `expr` sorts after `value` (None: no row can)."""
        nulls_first = desc != (self.dialect == "sqlite")
        if value is None:
            return expr.is_not(None) if nulls_first else None
        beyond = expr < value if desc else expr > value
        return beyond if nulls_first else sa.or_(beyond, expr.is_(None))

    def _order_exprs(self, model: Model, table: sa.Table, name: str) -> list[Any]:
        fd = model.fields[name]
        if model.person and name == "name":
            return [self.tables.fold(table.c.last_name), self.tables.fold(table.c.first_name)]
        if fd.type in TEXT_FILTER_TYPES:
            return [self.tables.fold(table.c[name])]
        return [table.c[name]]

    # -- lists ------------------------------------------------------------------------
    def base_where(
        self,
        model: Model,
        table: sa.Table,
        conds: Iterable[c.Condition],
        scope: Scope | None,
        live: bool = True,
    ) -> list[Clause]:
        """The WHERE terms of a list: the conditions, the scope and (`live`) that the
        record is not deleted. A search over several fields carries the deleted term into
        each of its branches instead: every branch is then a range of its field's
        (deleted, key, id) index, and the database reads the matches from the indexes
        (SQLite: a multi-index OR) rather than the whole table."""
        clauses: list[Clause] = []
        carried = not live
        for cond in conds:
            branches = self._alternatives(model, table, cond) if not carried else []
            if len(branches) > 1:
                deleted = table.c.deleted == sa.false()
                clauses.append(sa.or_(*(sa.and_(deleted, branch) for branch in branches)))
                carried = True
            else:
                clauses.append(self.where(model, table, cond))
        if not carried:
            clauses.insert(0, table.c.deleted == sa.false())
        if scope is not None:
            clauses.append(self.scope_clause(table, scope))
        return clauses

    def scope_clause(self, table: sa.Table, scope: Scope) -> Clause:
        link, parent = scope.link, scope.parent
        ptable = self.tables.model(parent)
        live_parents = sa.select(ptable.c.id).where(ptable.c.deleted == sa.false())
        if link.kind == "many_to_many":
            jt = self.tables.join(link)
            assert link.self_column and link.target_column
            related = sa.select(jt.c[link.target_column])
            if scope.parent_id is not None:
                related = related.where(jt.c[link.self_column] == scope.parent_id)
            else:
                related = related.where(jt.c[link.self_column].in_(live_parents))
            return table.c.id.in_(related)
        assert link.target_column
        fk = table.c[link.target_column]
        owner = fk == scope.parent_id if scope.parent_id is not None else fk.in_(live_parents)
        if link.kind == "parent":
            return sa.and_(table.c.parent_type == parent.name, owner)
        return owner

    def select_rows(
        self,
        conn: Connection,
        model: Model,
        fields: Sequence[Field],
        *,
        conditions: Sequence[c.Condition] = (),
        order: Sequence[c.OrderKey] = (),
        offset: int = 0,
        limit: int | None = None,
        scope: Scope | None = None,
        ids: Sequence[str] | None = None,
        version: bool = False,
        with_deleted: bool = False,
        after: Sequence[Any] | None = None,
        positions: bool = False,
    ) -> list[dict[str, Any]]:
        """Rows of `model` as dicts: stored values by field name, ref display parts as
        `field.part`, in scoped lists the join-table fields as a dict under LINK_DATA, and
        with `version` the row's VERSION. `with_deleted`: soft-deleted rows too. `after`:
        only rows past that position (a keyset cursor's values); `positions`: each row's
        position under POSITION, for the next cursor."""
        table = self.tables.model(model)
        columns, source = self._columns(model, table, fields)
        if version:
            columns.append(table.c[VERSION])
        keys = self.sort_keys(model, table, order)
        if positions:
            columns += [expr.label(f"pos:{i}") for i, (expr, _) in enumerate(keys)]
        # one record's related list is short: SQLite (whose statistics do not tell that a
        # link column is mostly empty) would rather walk the whole target table in order
        # than sort a few rows
        sort = self.tables.dialect == "sqlite" and scope is not None and bool(scope.parent_id)
        if scope is not None and scope.link.kind == "many_to_many" and scope.parent_id:
            jt = self.tables.join(scope.link)
            assert scope.link.self_column and scope.link.target_column
            source = source.join(
                jt,
                sa.and_(
                    jt.c[scope.link.target_column] == table.c.id,
                    jt.c[scope.link.self_column] == scope.parent_id,
                ),
            )
            columns += [jt.c[jf.name].label(f"link:{jf.name}") for jf in scope.link.join_fields]
            scope = None  # the join already restricts the rows
        stmt = sa.select(*columns).select_from(source)
        clauses = self.base_where(model, table, conditions, scope, live=not with_deleted)
        if ids is not None:
            clauses.append(table.c.id.in_(ids) if len(ids) != 1 else table.c.id == ids[0])
        if after is not None:
            clauses.append(self.after_position(keys, after))
        stmt = stmt.where(*clauses)
        if ids is None:
            stmt = stmt.order_by(*self.order_by(model, table, order, sort))
            if limit is not None:
                stmt = stmt.limit(limit).offset(offset)
        rows = [dict(row) for row in conn.execute(stmt).mappings()]
        if any(isinstance(col, sa.Label) and col.name.startswith("link:") for col in columns):
            for row in rows:
                row[LINK_DATA] = {
                    key[5:]: row.pop(key) for key in list(row) if key.startswith("link:")
                }
        if positions:
            for row in rows:
                row[POSITION] = [row.pop(f"pos:{i}") for i in range(len(keys))]
        return rows

    def list_statement(
        self,
        model: Model,
        fields: Sequence[Field],
        conditions: Sequence[c.Condition],
        order: Sequence[c.OrderKey],
    ) -> sa.Select[Any]:
        """The SELECT of every live row that matches, in order, without paging: rows as
        select_rows gives them, for a caller that streams them (a report run)."""
        table = self.tables.model(model)
        columns, source = self._columns(model, table, fields)
        return (
            sa.select(*columns)
            .select_from(source)
            .where(*self.base_where(model, table, conditions, None))
            .order_by(*self.order_by(model, table, order))
        )

    def group_statement(
        self,
        model: Model,
        groups: Sequence[Field],
        aggregates: Sequence[tuple[str, Field]],
        conditions: Sequence[c.Condition],
    ) -> sa.Select[Any]:
        """One row per distinct value of the `groups` fields among the live rows that
        match, ordered by them: `count`, and per (function, field) of `aggregates` the
        column `function_field` (sum, min, max; avg comes from sum and the field's own
        count, `count_field`, so money stays exact)."""
        table = self.tables.model(model)
        keys = [table.c[fd.name] for fd in groups]
        columns: list[Any] = [*keys, sa.func.count().label("count")]
        seen: set[str] = set()
        for function, fd in aggregates:
            column = table.c[fd.name]
            wanted = ("sum", "count") if function == "avg" else (function,)
            for part in wanted:
                label = f"{part}_{fd.name}"
                if label in seen:
                    continue
                seen.add(label)
                if part == "count":
                    columns.append(sa.func.count(column).label(label))
                else:
                    columns.append(getattr(sa.func, part)(column, type_=column.type).label(label))
        return (
            sa.select(*columns)
            .where(*self.base_where(model, table, conditions, None))
            .group_by(*keys)
            .order_by(*(key.asc().nulls_first() for key in keys))
        )

    def select_by_id(
        self, db: Database, model: Model, fields: Sequence[Field], record_id: str
    ) -> dict[str, Any] | None:
        """One live record by id, on a statement compiled once per field list (hot path),
        with its VERSION. Values are raw driver values; see Database.fetch."""
        key = (model.name, tuple(fd.name for fd in fields))
        prepared = self._by_id.get(key)
        if prepared is None:
            table = self.tables.model(model)
            columns, source = self._columns(model, table, fields)
            stmt = (
                sa.select(*columns, table.c[VERSION])
                .select_from(source)
                .where(table.c.id == sa.bindparam("record_id"), table.c.deleted == sa.false())
            )
            prepared = self._by_id[key] = db.prepare(stmt)
        rows = db.fetch(prepared, {"record_id": record_id})
        return rows[0] if rows else None

    def select_children(
        self, db: Database, model: Model, fields: Sequence[Field], column: str, parent_id: str
    ) -> list[dict[str, Any]]:
        """The live rows of `model` whose `column` holds `parent_id`, in the model's default
        order, on a statement compiled once per column and field list (a tally object's
        parts are read this way on every GET and PUT). Raw driver values, as select_by_id."""
        key = (f"children:{model.name}:{column}", tuple(fd.name for fd in fields))
        prepared = self._by_id.get(key)
        if prepared is None:
            table = self.tables.model(model)
            columns, source = self._columns(model, table, fields)
            stmt = (
                sa.select(*columns)
                .select_from(source)
                .where(table.c[column] == sa.bindparam("parent_id"), table.c.deleted == sa.false())
                .order_by(*self.order_by(model, table, [c.OrderKey(model.default_order)]))
            )
            prepared = self._by_id[key] = db.prepare(stmt)
        return db.fetch(prepared, {"parent_id": parent_id})

    def snapshot_row(
        self, db: Database, conn: Connection, model: Model, fields: Sequence[Field], record_id: str
    ) -> dict[str, Any] | None:
        """One record by id, deleted or not, read on the caller's transaction (what a
        write has just left), on a statement compiled once per field list."""
        key = ("snapshot:" + model.name, tuple(fd.name for fd in fields))
        prepared = self._by_id.get(key)
        if prepared is None:
            table = self.tables.model(model)
            columns, source = self._columns(model, table, fields)
            stmt = (
                sa.select(*columns)
                .select_from(source)
                .where(table.c.id == sa.bindparam("record_id"))
            )
            prepared = self._by_id[key] = db.prepare(stmt)
        rows = db.fetch_on(conn, prepared, {"record_id": record_id})
        return rows[0] if rows else None

    def _columns(
        self, model: Model, table: sa.Table, fields: Sequence[Field]
    ) -> tuple[list[Any], Any]:
        columns: list[Any] = []
        source: Any = table
        for fd in fields:
            if fd.stored:
                columns.append(table.c[fd.name])
            elif fd.type == "ref" and fd.ref_model:
                target = self.registry.model(fd.ref_model)
                alias = self.tables.ref_alias(target, fd.name)
                assert fd.id_name
                source = source.outerjoin(
                    alias, sa.and_(alias.c.id == table.c[fd.id_name], alias.c.deleted == sa.false())
                )
                columns += [
                    alias.c[part].label(f"{fd.name}.{part}") for part in target.name_sources()
                ]
        return columns, source

    def count_rows(
        self,
        conn: Connection,
        model: Model,
        *,
        conditions: Sequence[c.Condition] = (),
        scope: Scope | None = None,
    ) -> int:
        """How many live records match; unfiltered lists read the kept count."""
        if not conditions and scope is None:
            counts = self.tables.system("record_counts")
            total = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(counts.c.n), 0)).where(
                    counts.c.model == model.name
                )
            ).scalar_one()
            return int(total)
        table = self.tables.model(model)
        stmt = (
            sa.select(sa.func.count())
            .select_from(table)
            .where(*self.base_where(model, table, conditions, scope))
        )
        return int(conn.execute(stmt).scalar_one())

    def names_of(
        self, conn: Connection, model: Model, ids: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """Name parts of live records of `model` by id (for polymorphic parents)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        table = self.tables.model(model)
        parts = model.name_sources()
        stmt = sa.select(table.c.id, *(table.c[p] for p in parts)).where(
            table.c.id.in_(wanted), table.c.deleted == sa.false()
        )
        return {row.id: dict(row._mapping) for row in conn.execute(stmt)}


def like_escaped(text: str) -> str:
    """`text` matched literally by LIKE ... ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def column_contains(column: sa.ColumnElement[Any], option: str) -> Clause:
    """A multienum column (^a^,^b^) holds `option`."""
    return column.like(f"%^{like_escaped(option)}^%", escape="\\")
