"""The database handle: an engine set up for durability, and one transaction per unit of work.

SQLite runs in WAL mode with synchronous=FULL (a committed write survives a crash),
a busy timeout, and BEGIN IMMEDIATE for writers, so that concurrent writers queue for
the lock instead of failing with "database is locked". PostgreSQL keeps its durable
defaults.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from amity.config import SQLITE_PREFIX, Settings, sqlite_file
from amity.schema.registry import Registry
from amity.store.amounts import Convert, ScaledAmount
from amity.store.tables import Tables, build_tables

log = logging.getLogger("amity.store.engine")
CommitHook = Callable[[Connection], None]
_commit_hook: contextvars.ContextVar[CommitHook | None] = contextvars.ContextVar(
    "amity_commit_hook", default=None
)


@contextmanager
def commit_hook(hook: CommitHook | None) -> Iterator[None]:
    """Within this block (this context: a request), `hook(conn)` runs at the end of every
    unit of work, inside its transaction, just before it commits (a write of the request
    group-committed in the writer thread included): e.g. to mark an Idempotency-Key's
    claim as used by a committed write. A hook that raises rolls the unit back. None:
    no hook within the block."""
    token = _commit_hook.set(hook)
    try:
        yield
    finally:
        _commit_hook.reset(token)


def run_commit_hook(conn: Connection) -> None:
    """Run the current context's commit hook, if any, on the unit's connection."""
    hook = _commit_hook.get()
    if hook is not None:
        hook(conn)


def describe_url(url: str) -> str:
    """The database URL to show a person: a SQLite file by its absolute path, others without
    their password."""
    database = sqlite_file(url)
    if database is not None:
        return SQLITE_PREFIX + str(database.absolute())
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.partition("://")[0] + "://..."


def normalize_url(url: str) -> str:
    """postgresql:// means psycopg 3 here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """An engine, the tables built for its dialect, and transaction scopes."""

    def __init__(self, settings: Settings, registry: Registry) -> None:
        self.settings = settings
        self.registry = registry
        self.url = normalize_url(settings.database_url)
        self.engine = make_engine(self.url, settings)
        self.dialect = self.engine.dialect.name
        self.tables: Tables = build_tables(registry, self.dialect)
        self._local = threading.local()
        self._readers: list[Any] = []
        self._readers_lock = threading.Lock()
        self.listeners: list[Callable[[str, str], None]] = []
        """Called with (model, record id) once a change of it has committed, here or (through
        the invalidation bus, store/bus.py) in another process; ("*", "*"): anything may
        have changed. They drop cached copies."""
        self.publish: Callable[[str, str], None] | None = None
        """Tells the other processes of a committed change (set by the invalidation bus)."""

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction: a consistent snapshot for a list and its count."""
        shared = getattr(self._local, "conn", None)
        if shared is not None:  # inside a group commit: see the batch's own writes
            yield shared
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed when the block ends without an exception; the
        callbacks registered with `after_commit` run once it has committed.

        Inside a group commit (store/batch.py) the unit already runs in its own savepoint
        of the shared transaction, which is used instead.
        """
        shared = getattr(self._local, "conn", None)
        if shared is not None:
            yield shared
            return
        with self.unit() as callbacks, self.engine.connect() as conn:
            conn = conn.execution_options(amity_write=True)
            with conn.begin():
                yield conn
                run_commit_hook(conn)
        run_callbacks(callbacks)

    @property
    def shared_connection(self) -> Connection | None:
        """The transaction of the group commit running in this thread, if any."""
        conn: Connection | None = getattr(self._local, "conn", None)
        return conn

    @contextmanager
    def unit(self) -> Iterator[list[Callable[[], None]]]:
        """Collect the after-commit callbacks of one unit of work (a transaction, or a
        savepoint of a group commit); they are dropped when the block fails."""
        stack: list[list[Callable[[], None]]] = self._local.__dict__.setdefault("units", [])
        callbacks: list[Callable[[], None]] = []
        stack.append(callbacks)
        try:
            yield callbacks
        except BaseException:
            callbacks.clear()
            raise
        finally:
            stack.pop()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current write has committed, never if it rolls back
        (e.g. dropping cached copies of what it changed, waking the job runner)."""
        stack = self._local.__dict__.get("units")
        if not stack:
            raise RuntimeError("after_commit outside a write")
        stack[-1].append(callback)

    def changed(self, model: str, record_id: str) -> None:
        """Inside a write: once it has committed, this process's listeners and the other
        processes (the invalidation bus) hear that the record (or configuration entry)
        changed; nothing is heard of a write that rolls back."""
        self.after_commit(functools.partial(self.notify, model, record_id))

    def notify(self, model: str, record_id: str, *, publish: bool = True) -> None:
        """Call the listeners (each on its own: one that fails is logged), then publish."""
        for listener in self.listeners:
            try:
                listener(model, record_id)
            except Exception:
                log.exception("cache listener %r failed", listener)
        if publish and self.publish is not None:
            self.publish(model, record_id)

    @contextmanager
    def shared_write(self) -> Iterator[Connection]:
        """One write transaction that write()/read() in this thread join until it ends
        (after-commit callbacks not taken by a unit of their own run once it commits).
        Inside one already (a group commit), that one is joined."""
        shared = getattr(self._local, "conn", None)
        if shared is not None:
            yield shared
            return
        with self.unit() as callbacks, self.engine.connect() as conn:
            conn = conn.execution_options(amity_write=True)
            with conn.begin():
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None
        run_callbacks(callbacks)

    def prepare(self, stmt: sa.Executable) -> Prepared:
        """Compile a statement once, for hot paths that run it many times."""
        return Prepared(self, stmt)

    def fetch(self, prepared: Prepared, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a prepared single-statement read on this thread's reader connection.

        Values come back as the driver gives them (no SQLAlchemy type processing, but
        amounts are converted: see Prepared): the field types' to_json accept both forms.
        The reader is in autocommit mode, so one statement is one round trip; inside a
        group commit the batch's connection is used.
        """
        shared = getattr(self._local, "conn", None)
        with self._driver_errors(prepared.sql, params):
            if shared is not None:
                return _run_select(shared.connection.dbapi_connection, prepared, params)
            try:
                return _run_select(self._reader(), prepared, params)
            except Exception as exc:
                if not self._is_disconnect(exc):
                    raise
                self._drop_reader()  # the server went away: reconnect once
                return _run_select(self._reader(), prepared, params)

    def fetch_on(
        self, conn: Connection, prepared: Prepared, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Run a prepared read on the caller's transaction (it sees that one's writes)."""
        with self._driver_errors(prepared.sql, params):
            return _run_select(conn.connection.dbapi_connection, prepared, params)

    def _reader(self) -> Any:
        reader: Any = getattr(self._local, "reader", None)
        if reader is None:
            proxied = self.engine.raw_connection()
            proxied.detach()  # owned by this thread from now on, not by the pool
            reader = proxied.dbapi_connection
            if not self.is_sqlite:
                reader.autocommit = True
            self._local.reader = reader
            with self._readers_lock:
                self._readers.append(reader)
        return reader

    def _drop_reader(self) -> None:
        reader = getattr(self._local, "reader", None)
        self._local.reader = None
        if reader is not None:
            with self._readers_lock:
                self._readers.remove(reader)
            with contextlib.suppress(Exception):
                reader.close()

    def _is_disconnect(self, exc: Exception) -> bool:
        return self.engine.dialect.is_disconnect(exc, None, None)  # type: ignore[arg-type]

    @contextmanager
    def _driver_errors(self, sql: str, params: Any) -> Iterator[None]:
        """A driver's error from a raw cursor raised as SQLAlchemy raises it (a unique
        violation as IntegrityError, a deadlock as OperationalError), so that callers and
        the API's error mapping see one family of database errors."""
        dbapi = self.engine.dialect.loaded_dbapi
        try:
            yield
        except dbapi.Error as exc:
            raise sa.exc.DBAPIError.instance(
                sql, params, exc, dbapi.Error, dialect=self.engine.dialect
            ) from exc

    def execute(self, conn: Connection, prepared: Prepared, params: dict[str, Any]) -> Any:
        """Run a prepared write on the connection's own DBAPI cursor (hot write paths);
        the first value it returns (INSERT ... RETURNING), else None."""
        values = prepared.bind(params)
        if self.is_sqlite:
            values = tuple(_sqlite_value(v) for v in values)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with self._driver_errors(prepared.sql, values):
                cursor.execute(prepared.sql, values)
            if cursor.description is None:
                return None
            row = cursor.fetchone()
            return None if row is None else row[0]
        finally:
            cursor.close()

    def execute_many(
        self, conn: Connection, prepared: Prepared, rows: list[dict[str, Any]]
    ) -> None:
        """Run a prepared write once per row, in one driver call (bulk logs)."""
        if self.is_sqlite:
            values: list[Any] = [
                tuple(_sqlite_value(v) for v in prepared.bind(row)) for row in rows
            ]
        else:
            values = [prepared.bind(row) for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with self._driver_errors(prepared.sql, values):
                cursor.executemany(prepared.sql, values)
        finally:
            cursor.close()

    def dispose(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            with contextlib.suppress(Exception):
                reader.close()
        self._local = threading.local()
        self.engine.dispose()


def run_callbacks(callbacks: list[Callable[[], None]]) -> None:
    """Run after-commit callbacks; one that fails is logged and the others still run."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback %r failed", callback)


def _run_select(
    dbapi_conn: Any, prepared: Prepared, params: dict[str, Any]
) -> list[dict[str, Any]]:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(prepared.sql, prepared.bind(params))
        keys = prepared.keys
        if keys is None:  # the first run learns the column names (psycopg builds them anew)
            keys = prepared.keys = [d[0] for d in cursor.description or ()]
        return [
            dict(zip(keys, prepared.convert_row(row), strict=True)) for row in cursor.fetchall()
        ]
    finally:
        cursor.close()


def _amount_converters(kind: Any, dialect: sa.Dialect) -> tuple[Convert, Convert] | None:
    return kind.converters(dialect) if isinstance(kind, ScaledAmount) else None


def _sqlite_value(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite, so its reads parse them back."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")  # %Y would not pad years below 1000
    if isinstance(value, date):
        return value.isoformat()
    return value


class InListQuery:
    """A read whose IN list takes n values, compiled once per n (hot paths whose lists
    are short, e.g. the waiting keys of a write's jobs)."""

    def __init__(
        self, db: Database, build: Callable[[list[sa.BindParameter[Any]]], sa.Executable]
    ) -> None:
        self.db = db
        self.build = build
        self._by_size: dict[int, Prepared] = {}

    def fetch(self, conn: Connection, values: Sequence[Any]) -> list[dict[str, Any]]:
        prepared = self._by_size.get(len(values))
        if prepared is None:
            params: list[sa.BindParameter[Any]] = [
                sa.bindparam(f"v{i}") for i in range(len(values))
            ]
            prepared = self._by_size[len(values)] = self.db.prepare(self.build(params))
        return self.db.fetch_on(conn, prepared, {f"v{i}": v for i, v in enumerate(values)})


class Prepared:
    """A SELECT compiled once for one dialect, with its parameter order.

    It runs on the driver directly, so SQLAlchemy's type processing is skipped, except
    for amounts (store.amounts): their conversions are applied to the parameters and,
    through `convert_row`, to the columns read."""

    def __init__(self, db: Database, stmt: sa.Executable) -> None:
        dialect = db.engine.dialect
        compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.sql: str = compiled.string
        self.positional: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positiontup else None
        )
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items()}
        self.keys: list[str] | None = None  # result column names, once known
        self.bind_converters: dict[str, Convert] = {}
        for name, bind in compiled.binds.items():
            pair = _amount_converters(bind.type, dialect)
            if pair is not None:
                self.bind_converters[name] = pair[0]
        self.result_converters: dict[int, Convert] = {}
        for position, column in enumerate(getattr(stmt, "selected_columns", ())):
            pair = _amount_converters(column.type, dialect)
            if pair is not None:
                self.result_converters[position] = pair[1]

    def convert_row(self, row: Sequence[Any]) -> Sequence[Any]:
        """A driver row with its amounts as the rest of the code holds them."""
        if not self.result_converters:
            return row
        values = list(row)
        for position, convert in self.result_converters.items():
            values[position] = convert(values[position])
        return values

    def bind(self, params: dict[str, Any]) -> Any:
        values = {**self.defaults, **params}
        for name, convert in self.bind_converters.items():
            if name in values:
                values[name] = convert(values[name])
        if self.positional is not None:
            return tuple(values[name] for name in self.positional)
        return values


def make_engine(url: str, settings: Settings) -> Engine:
    """An engine for `url`, with the SQLite pragmas and transaction handling Amity needs."""
    if not url.startswith("sqlite"):
        return sa.create_engine(
            url, pool_size=settings.db_pool_size, max_overflow=10, pool_pre_ping=True
        )  # writes: checked once per transaction
    kwargs: dict[str, Any] = {
        "connect_args": {
            "check_same_thread": False,
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
        },
    }
    if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        raise ValueError("Amity needs a SQLite file, not an in-memory database")
    engine = sa.create_engine(url, **kwargs)
    synchronous = settings.sqlite_synchronous.upper()
    if synchronous not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError("AMITY_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
    busy = int(settings.sqlite_busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA busy_timeout={busy}")
        cur.execute("PRAGMA foreign_keys=OFF")
        # freed space is zeroed, so that values changed or erased (GDPR) do not linger
        # in the file; bench/secure_delete.py measures no cost worth a weaker mode
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        writing = conn.get_execution_options().get("amity_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def unpooled_engine(url: str) -> Engine:
    """A plain engine for one-off maintenance such as creating a database."""
    return sa.create_engine(normalize_url(url), poolclass=NullPool)


@contextmanager
def fresh_postgresql_database(server_url: str, prefix: str) -> Iterator[str]:
    """Create an empty database on the server of `server_url` (any database there to
    connect to), yield its URL, and drop it afterwards (test runs, benchmarks)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = unpooled_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
