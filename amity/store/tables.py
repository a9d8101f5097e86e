"""Metadata -> SQLAlchemy tables: one table per model, one per join, and system tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from amity.schema.custom_models import short_identifier
from amity.schema.model import Field, Link, Model
from amity.schema.registry import Registry
from amity.schema.types import CUSTOM_TEXT_TYPES, DecimalType
from amity.store.amounts import ScaledAmount

TEXT_FILTER_TYPES = frozenset({"varchar", "name", "phone", "email", "url"}) | CUSTOM_TEXT_TYPES
COUNT_SHARDS = 8  # rows per model in record_counts, so concurrent writers rarely collide
VERSION = "_version"
"""The column counting a record's changes (1 when created, one more with every write of its
row): optimistic concurrency (ETags). No field can be called so: names start with a letter."""


def column_type(fd: Field) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    """The one place a field type becomes a column type."""
    storage = fd.kind.storage
    if fd.type == "id":
        return sa.String(36)
    if storage == "string":
        return sa.String(fd.len or 255)
    if storage == "text":
        return sa.Text()
    if storage == "integer":
        return sa.BigInteger()
    if storage == "scaled":
        digits = fd.kind.digits if isinstance(fd.kind, DecimalType) else DecimalType.digits
        return ScaledAmount(digits, fd.scale)
    if storage == "bool":
        return sa.Boolean()
    if storage == "float":
        return sa.Float()
    if storage == "date":
        return sa.Date()
    if storage == "datetime":
        return sa.DateTime()
    raise ValueError(f"field {fd.name} of type {fd.type} has no column")


def fold(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement:  # type: ignore[type-arg]
    """Case-folded text compared byte-wise, so prefixes become index ranges on any database."""
    lowered = sa.func.lower(column)
    if dialect == "postgresql":
        return sa.collate(lowered, "C")
    return lowered


@dataclass
class Tables:
    """Every table Amity uses, built for one database dialect."""

    dialect: str
    metadata: sa.MetaData = field(default_factory=sa.MetaData)
    models: dict[str, sa.Table] = field(default_factory=dict)
    joins: dict[str, sa.Table] = field(default_factory=dict)
    _aliases: dict[tuple[str, str], sa.FromClause] = field(default_factory=dict)

    def model(self, model: Model) -> sa.Table:
        return self.models[model.name]

    def join(self, link: Link) -> sa.Table:
        assert link.join_table
        return self.joins[link.join_table]

    def fold(self, column: sa.ColumnElement) -> sa.ColumnElement:  # type: ignore[type-arg]
        return fold(column, self.dialect)

    def ref_alias(self, model: Model, ref_field: str) -> sa.FromClause:
        """The aliased target table joined for a ref field (built once: aliases are costly)."""
        key = (model.name, ref_field)
        alias = self._aliases.get(key)
        if alias is None:
            alias = self._aliases[key] = self.models[model.name].alias(f"ref_{ref_field}")
        return alias

    def system(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    def replace_with(self, other: Tables) -> None:
        """Take the tables of `other` (built after a custom field change). Columns are only
        ever added, so a request still holding older metadata finds all it needs."""
        self._aliases = {}
        self.metadata = other.metadata
        self.joins = other.joins
        self.models = other.models


def build_tables(
    registry: Registry,
    dialect: str,
    hidden: Mapping[str, Sequence[Field]] | None = None,
    removed: Sequence[Model] = (),
) -> Tables:
    """Tables for every model and join of `registry`, plus Amity's own tables; `hidden`
    adds the columns of removed custom fields and `removed` the tables of removed custom
    models, which stay in the database (and so in reach of requests still under way)."""
    tables = Tables(dialect)
    for model in [*registry.models.values(), *removed]:
        tables.models[model.name] = model_table(tables, model, (hidden or {}).get(model.name, ()))
    for name, link in registry.join_links().items():
        tables.joins[name] = join_table(tables, name, link)
    implied_indexes(tables, registry)
    system_tables(tables.metadata)
    return tables


def implied_indexes(tables: Tables, registry: Registry) -> None:
    """Fields that lists find records by get their field index where the field has none:
    the target's column of a has_many link (a contact's direct reports by reports_to_id)
    and every field of a model's `filter_text` search (each branch of the search reads
    its own index)."""
    wanted: list[tuple[Model, str]] = []
    for model in registry.models.values():
        wanted += [(model, name) for name in model.search_fields]
        for link in model.links.values():
            target = registry.models.get(link.target)
            if link.kind == "has_many" and target is not None and link.target_column:
                wanted.append((target, link.target_column))
    for model, name in wanted:
        table = tables.models.get(model.name)
        fd = model.fields.get(name)
        if table is None or fd is None or fd.indexed or name not in table.c:
            continue
        if field_index_name(model, fd) not in {ix.name for ix in table.indexes}:
            field_index(model, table, fd, tables.dialect)


def model_table(tables: Tables, model: Model, hidden: Sequence[Field] = ()) -> sa.Table:
    columns = [
        sa.Column(
            fd.name,
            column_type(fd),
            primary_key=fd.name == "id",
            nullable=fd.name not in ("id", "deleted"),
        )
        for fd in model.stored_fields()
    ]
    columns += [
        sa.Column(fd.name, column_type(fd), nullable=True)
        for fd in hidden
        if fd.name not in model.fields
    ]
    columns.append(version_column())
    table = sa.Table(model.table, tables.metadata, *columns)
    model_indexes(tables, model, table)  # an Index on a table's columns attaches itself
    return table


def version_column() -> sa.Column:  # type: ignore[type-arg]
    """A model table's VERSION column; existing rows start at 1 when it is added."""
    return sa.Column(VERSION, sa.BigInteger(), nullable=False, server_default="1")


def field_index_name(model: Model, fd: Field) -> str:
    return short_identifier(f"ix_{model.table}_{fd.name}")


def field_index(model: Model, table: sa.Table, fd: Field, dialect: str) -> sa.Index:
    """The (deleted, key, id) index of one field, text keys case-folded."""
    c = table.c
    name = field_index_name(model, fd)
    if fd.type in TEXT_FILTER_TYPES:
        return sa.Index(
            name, c.deleted, fold(c[fd.name], dialect), c.id, postgresql_include=[fd.name]
        )
    return sa.Index(name, c.deleted, c[fd.name], c.id)


def bare_table(name: str, fd: Field, *extra: sa.Column) -> sa.Table:  # type: ignore[type-arg]
    """A throwaway table of a model's id, deleted flag, `extra` columns and the field `fd`:
    DDL and updates that concern one field leave the live tables (which may not know the
    field yet) untouched."""
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("deleted", sa.Boolean()),
        *extra,
        sa.Column(fd.name, column_type(fd)),
    )


def unique_index_name(model: Model, fd: Field) -> str:
    return short_identifier(f"uq_{model.table}_{fd.name}")


def unique_index(model: Model, table: sa.Table, fd: Field) -> sa.Index:
    """One value per live record: a deleted record frees its value; empty values repeat."""
    live = table.c.deleted == sa.false()
    return sa.Index(
        unique_index_name(model, fd),
        table.c[fd.name],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def model_indexes(tables: Tables, model: Model, table: sa.Table) -> list[sa.Index]:
    """Indexes for soft-deleted lists: (deleted, key, id), so filters, orders and counts
    are answered from the index. PostgreSQL considers an index on an expression such as
    lower(name) for index-only scans (counts) only when it also holds the column itself,
    hence INCLUDE."""
    out: list[sa.Index] = []
    c = table.c
    for fd in model.stored_fields():
        if fd.indexed:
            out.append(field_index(model, table, fd, tables.dialect))
    for fd in model.unique_fields:
        out.append(unique_index(model, table, fd))
    if model.person:
        out.append(
            sa.Index(
                f"ix_{model.table}_person_name",
                c.deleted,
                tables.fold(c.last_name),
                tables.fold(c.first_name),
                c.id,
                postgresql_include=["last_name", "first_name"],
            )
        )
    if "parent_type" in c:
        out.append(sa.Index(f"ix_{model.table}_parent", c.parent_id, c.parent_type))
    return out


def join_table(tables: Tables, name: str, link: Link) -> sa.Table:
    assert link.self_column and link.target_column
    a, b = sorted((link.self_column, link.target_column))
    extra = [sa.Column(fd.name, column_type(fd), nullable=True) for fd in link.join_fields]
    return sa.Table(
        name,
        tables.metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(a, sa.String(36), nullable=False),
        sa.Column(b, sa.String(36), nullable=False),
        *extra,
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(a, b, name=short_identifier(f"uq_{name}")),
        sa.Index(short_identifier(f"ix_{name}_{b}"), b, a),
    )


def system_tables(metadata: sa.MetaData) -> None:
    """Amity's own tables: secrets, tokens, favorites, counts, sequences, the outbox,
    the API call log, idempotency keys."""
    sa.Table(
        "user_secrets",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
    )
    sa.Table(  # login tokens of token-in-URL dialects (amity/core/auth/login_tokens.py)
        "login_tokens",
        metadata,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("dialect", sa.String(30), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("expires", sa.DateTime(), nullable=False),
    )
    sa.Table(  # OpenCRM API key pairs, one per user (amity/core/auth/api_keys.py)
        "api_key_pairs",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("api_key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("pass_key_hash", sa.String(64), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
    )
    sa.Table(  # per-user access keys of Vtiger's RestfulApi (amity/core/auth/access_keys.py)
        "access_keys",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(), nullable=False),
    )
    sa.Table(  # stable integer numbers of records (amity/core/record_numbers.py)
        "record_numbers",
        metadata,
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(60), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.UniqueConstraint("model", "record_id", name="uq_record_numbers_record"),
    )
    sa.Table(
        "api_tokens",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False, default=False),
    )
    sa.Table(
        "favorites",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("date_entered", sa.DateTime(), nullable=False),
    )
    sa.Table(  # the records each user opened last (amity/core/recent.py)
        "recent_views",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("viewed_at", sa.DateTime(), nullable=False),
        sa.Index("ix_recent_views_user", "user_id", "viewed_at"),
    )
    sa.Table(
        "record_counts",
        metadata,
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("shard", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    sa.Table(
        "sequences",
        metadata,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    sa.Table(
        "outbox",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        # PostgreSQL: the writing transaction's id (pg_current_xact_id), for an exact change
        # feed (store/events.py); SQLite, whose writers take turns: 0
        sa.Column("tx", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("model", sa.String(60), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),  # JSON {field: [before, after]}
        sa.Column("actor_id", sa.String(36)),
        sa.Column("credential", sa.String(20)),  # token | basic | oauth | session | ...
        sa.Column("credential_id", sa.String(64)),  # the token's id
        sa.Column("client_id", sa.String(64)),  # the OAuth client
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Index("ix_outbox_tx_id", "tx", "id"),
        sa.Index("ix_outbox_record", "model", "record_id", "id"),
    )
    sa.Table(  # one row per API call (amity/core/apilog.py); pruned after the retention
        "api_calls",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("time", sa.DateTime(), nullable=False, index=True),
        sa.Column("user_id", sa.String(36)),
        sa.Column("user_name", sa.String(60)),
        sa.Column("credential", sa.String(20), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Index("ix_api_calls_user_time", "user_name", "time"),
    )
    sa.Table(  # OAuth API clients (amity/core/auth/clients.py); lists are JSON text
        "api_clients",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(255)),  # argon2; NULL for public clients
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("grants", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("owner_types", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(36)),  # whom client_credentials tokens act as
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False, default=False),
        sa.Column("allow_portal", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    sa.Table(  # cookie sessions (AMITY_SESSION_AUTH); the id is a sha256 of the cookie
        "sessions",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False, index=True),
    )
    sa.Table(  # per-user and per-client rate limits that override AMITY_RATE_LIMIT
        "rate_limits",
        metadata,
        sa.Column("kind", sa.String(10), primary_key=True),  # user | client
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # admins' list/detail/popup/sub-panel layouts; built-in defaults otherwise
        "layouts",
        metadata,
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("view", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("definition", sa.Text(), nullable=False),  # JSON
        sa.Column("modified_user_id", sa.String(36), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # each user's list view choices per model (/layouts/list_view/{model})
        "user_list_views",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("settings", sa.Text(), nullable=False),  # JSON
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # picklist dependencies (amity/core/picklists.py): target options by source
        "picklist_dependencies",
        metadata,
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("target_field", sa.String(64), primary_key=True),
        sa.Column("source_field", sa.String(64), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),  # JSON: source value -> [targets]
        sa.Column("modified_by", sa.String(36)),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # custom field definitions (amity/schema/custom.py); options are JSON text
        "custom_fields",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(60), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("is_unique", sa.Boolean()),  # null (before it existed): not unique
        sa.Column("auto_number", sa.Boolean()),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("personal", sa.Boolean()),  # null (before it existed): not personal
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(36)),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("model", "name", name="uq_custom_fields_model_name"),
    )
    sa.Table(  # custom model definitions (amity/schema/custom_models.py); links are JSON
        "custom_models",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("table_name", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("module", sa.String(60), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("activities", sa.Boolean(), nullable=False),
        sa.Column("portal", sa.Text()),  # JSON: {"link", "create"}; null: no portal
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(36)),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # Idempotency-Key claims and their stored answers (store/idempotency.py)
        "idempotency_keys",
        metadata,
        sa.Column("owner", sa.String(255), primary_key=True),  # user|credential|id|client
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),  # sha256 of the request
        sa.Column("token", sa.String(32), nullable=False),  # the claim of one request
        sa.Column("state", sa.String(10), nullable=False),  # running | committed | done
        sa.Column("status", sa.Integer()),  # the stored answer, once done
        sa.Column("headers", sa.Text()),  # JSON [[name, value], ...]
        sa.Column("body", sa.LargeBinary()),
        sa.Column("date_created", sa.DateTime(), nullable=False, index=True),
    )
    sa.Table(  # background jobs on SQLite (amity/store/jobs.py); PostgreSQL: procrastinate
        "jobs",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("task", sa.String(128), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),  # JSON object of keyword arguments
        sa.Column("state", sa.String(12), nullable=False),  # todo doing succeeded failed ...
        sa.Column("attempts", sa.Integer(), nullable=False),  # runs started so far
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("backoff", sa.Float(), nullable=False),  # seconds before the 1st retry
        sa.Column("lock", sa.String(128)),  # jobs of one lock run one at a time, in order
        sa.Column("unique_key", sa.String(128)),  # at most one waiting job (periodic ones)
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime()),  # a running job's runner is alive until
        sa.Column("worker", sa.String(100)),
        sa.Column("last_error", sa.Text()),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        sa.Index("ix_jobs_due", "state", "run_at"),
        sa.Index("ix_jobs_lock", "lock", "id"),
    )
    sa.Table(  # the last error of a PostgreSQL (procrastinate) job, by its id
        "job_errors",
        metadata,
        sa.Column("job_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
    )
    acl_tables(metadata)
    oauth_tables(metadata)
    audit_tables(metadata)
    webhook_tables(metadata)
    file_tables(metadata)
    calendar_tables(metadata)
    report_tables(metadata)
    sa.Table(
        "schema_info",
        metadata,
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


RIGHT_LEN = 5  # all | owned | none


def audit_tables(metadata: sa.MetaData) -> None:
    """Field-level audit rows (amity/core/audit.py), one per changed field of a record, and
    the admins' choices of which fields are audited where they differ from the default."""
    sa.Table(
        "audit_log",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("parent", sa.String(60), nullable=False),  # the record's model
        sa.Column("parent_id", sa.String(36), nullable=False),
        sa.Column("field_name", sa.String(64), nullable=False),
        sa.Column("data_type", sa.String(30), nullable=False),
        sa.Column("before_value_string", sa.Text()),  # Text: a URL field holds 2048
        sa.Column("after_value_string", sa.Text()),
        sa.Column("before_value_text", sa.Text()),
        sa.Column("after_value_text", sa.Text()),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        # newest first: ids grow with time
        sa.Index("ix_audit_log_record", "parent", "parent_id", "id"),
        sa.Index("ix_audit_log_model", "parent", "id"),
    )
    sa.Table(  # a field's `audited` switched by an admin (built-in and custom fields)
        "audit_fields",
        metadata,
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("field_name", sa.String(64), primary_key=True),
        sa.Column("audited", sa.Boolean(), nullable=False),
        sa.Column("modified_by", sa.String(36)),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )


def acl_tables(metadata: sa.MetaData) -> None:
    """Roles with per-model rights, users' roles, teams and their members (amity/core/acl.py),
    and portal contacts' access tokens (amity/core/portal.py)."""
    sa.Table(
        "acl_roles",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
    )
    sa.Table(  # model "*" holds the rights on models the role does not name
        "acl_role_rights",
        metadata,
        sa.Column("role_id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(60), primary_key=True),
        sa.Column("access", sa.Boolean(), nullable=False),
        sa.Column("read", sa.String(RIGHT_LEN), nullable=False),
        sa.Column("edit", sa.String(RIGHT_LEN), nullable=False),
        sa.Column("delete", sa.String(RIGHT_LEN), nullable=False),
    )
    sa.Table(
        "acl_user_roles",
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("role_id", sa.String(36), nullable=False, index=True),
    )
    sa.Table(
        "acl_teams",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
    )
    sa.Table(
        "acl_team_members",
        metadata,
        sa.Column("team_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Index("ix_acl_team_members_user", "user_id", "team_id"),
    )
    sa.Table(
        "portal_tokens",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("contact_id", sa.String(36), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False, default=False),
    )


def oauth_tables(metadata: sa.MetaData) -> None:
    """The OAuth server's state (amity/store/oauth.py): grants, and the codes and refresh
    tokens issued under them, which are stored only as SHA-256 hashes."""
    sa.Table(  # one authorization: a resource owner's consent to a client, with its scope
        "oauth_grants",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, index=True),
        sa.Column("owner_type", sa.String(10), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False, default=False),
    )
    sa.Table(
        "oauth_codes",
        metadata,
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.Text()),
        sa.Column("code_challenge", sa.String(128)),
        sa.Column("code_challenge_method", sa.String(10)),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False, default=False),
    )
    sa.Table(
        "oauth_refresh_tokens",
        metadata,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("grant_id", sa.String(36), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False, default=False),
    )
    sa.Table(  # portal passwords of contacts (argon2), for the contact owner type
        "contact_secrets",
        metadata,
        sa.Column("contact_id", sa.String(36), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
    )


def webhook_tables(metadata: sa.MetaData) -> None:
    """Webhooks (amity/core/webhooks/): their definitions, the snapshots of the events they
    deliver, one message per webhook and event, and the log of delivery attempts."""
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "webhooks",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(20), nullable=False),  # create update create_update delete
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("model", sa.String(60), nullable=False, index=True),
        sa.Column("filters", sa.Text(), nullable=False),  # JSON, as core/webhooks/filters.py
        sa.Column("payload", sa.String(10), nullable=False),  # record | event
        sa.Column("assigned_user_id", sa.String(36), nullable=False, index=True),
        sa.Column("secret", sa.Text(), nullable=False),  # encrypted (core/webhooks/secrets.py)
        sa.Column("previous_secret", sa.Text()),  # encrypted; signs too until ...
        sa.Column("previous_secret_until", sa.DateTime()),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("disabled_reason", sa.String(500)),
        sa.Column("failing_since", sa.DateTime()),  # first failure after the last success
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_entered", sa.DateTime(), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
    )
    sa.Table(  # what a write left, taken when it committed: one row per event delivered
        "webhook_events",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),  # the outbox event's id, or test_<id>
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("model", sa.String(60), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column("record", sa.Text(), nullable=False),  # JSON: the fields after the write
        sa.Column("previous", sa.Text(), nullable=False),  # JSON: changed fields before it
        sa.Column("actor", sa.Text(), nullable=False),  # JSON
        sa.Column("occurred_at", sa.DateTime(), nullable=False, index=True),
        # the webhooks of its model and type when it was written (JSON ids), until the
        # fan-out job has given each whose filters match a message
        sa.Column("hooks", sa.Text()),
        sa.Column("fanned", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"),  # outbox order
        sa.Index("ix_webhook_events_fanout", "fanned", "seq"),
    )
    sa.Table(  # one event to send to one webhook; its id orders a record's messages
        "webhook_messages",
        metadata,
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column(
            "state", sa.String(10), nullable=False
        ),  # pending sending delivered failed skipped
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("date_created", sa.DateTime(), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        # one index: a webhook's pending messages in order, and (state first) the few
        # pending ones among a month of finished ones for the periodic wake-up
        sa.Index("ix_webhook_messages_pending", "state", "webhook_id", "id"),
    )
    sa.Table(  # one attempt to deliver a message: what the receiver answered
        "webhook_deliveries",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("message_id", big_id, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text()),  # the first KiB of the answer
        sa.Column("error", sa.String(500)),
        sa.Column("date_created", sa.DateTime(), nullable=False, index=True),
        sa.Index("ix_webhook_deliveries_webhook", "webhook_id", "date_created"),
    )


def file_tables(metadata: sa.MetaData) -> None:
    """Files (amity/core/files/): one row per stored blob, one per uploaded file. An
    upload is incoming (no record) until a write attaches it to a record's field."""
    sa.Table(  # bytes kept in the blob store, by SHA-256; swept when no file refers to them
        "file_blobs",
        metadata,
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),  # last upload that used it
    )
    sa.Table(
        "files",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),  # INCOMING~<id> while incoming
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("mimetype", sa.String(255), nullable=False),  # what downloads declare
        sa.Column("declared_type", sa.String(255)),  # what the uploader said
        sa.Column("sniffed_type", sa.String(255)),  # what the first bytes say
        sa.Column("uploaded_by", sa.String(64), nullable=False),  # a user id, or contact:<id>
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime()),  # incoming files only
        sa.Column("model", sa.String(60)),  # the record it is attached to, by field
        sa.Column("record_id", sa.String(36)),
        sa.Column("field", sa.String(64)),
        sa.Column("attached_at", sa.DateTime()),
        sa.Index("ux_files_attached", "model", "record_id", "field", unique=True),
        sa.Index("ix_files_expiry", "expires_at"),
    )


def calendar_tables(metadata: sa.MetaData) -> None:
    """Calendar feed tokens (amity/core/calendar/tokens.py): one per user at most, kept
    only as a SHA-256 hash; revoking deletes the row."""
    sa.Table(
        "calendar_tokens",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("date_created", sa.DateTime(), nullable=False),
    )


def report_tables(metadata: sa.MetaData) -> None:
    """Reports (amity/core/reports/): saved queries, who they are shared with, their runs
    and the archived rows of each run (one JSON row per record or group, by position)."""
    sa.Table(
        "reports",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("primary_module", sa.String(60), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),  # JSON: columns, filters, order, groups
        sa.Column("chart", sa.Text(), nullable=False),  # JSON: the chart_* values
        sa.Column("assigned_user_id", sa.String(36), nullable=False, index=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("modified_user_id", sa.String(36), nullable=False),
        sa.Column("date_entered", sa.DateTime(), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        sa.Column("max_keep", sa.Integer(), nullable=False),
        sa.Column("run_interval", sa.Integer()),
        sa.Column("run_interval_unit", sa.String(10)),
        sa.Column("next_run", sa.DateTime(), index=True),
        sa.Column("last_run", sa.DateTime()),
        sa.Index("ix_reports_module", "primary_module", "date_entered"),
    )
    sa.Table(  # a report's readers besides its owner: users and teams by id
        "report_shares",
        metadata,
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(5), primary_key=True),  # user | team
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Index("ix_report_shares_member", "kind", "member_id"),
    )
    sa.Table(  # one run of a report: what it was asked, by whom, and how it ended
        "report_runs",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("reportdata_number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("primary_module", sa.String(60), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),  # the report's spec when it ran
        sa.Column("chart", sa.Text(), nullable=False),
        sa.Column("layout", sa.Text()),  # JSON [[column, numeric]], once it has run
        sa.Column("state", sa.String(10), nullable=False),  # queued running done failed
        sa.Column("error", sa.String(500)),
        sa.Column("run_by", sa.String(36), nullable=False),
        sa.Column("job_id", sa.String(40)),
        sa.Column("record_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("date_entered", sa.DateTime(), nullable=False),
        sa.Column("date_modified", sa.DateTime(), nullable=False),
        sa.Index("ix_report_runs_report", "report_id", "reportdata_number"),
    )
    sa.Table(  # the archived rows of a run; record_id: the source record (None: a group)
        "report_run_rows",
        metadata,
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column("data", sa.Text(), nullable=False),  # JSON {column: value}
        sa.Index("ix_report_run_rows_record", "record_id"),
    )
