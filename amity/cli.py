"""The `amity` command line: init, serve, worker, jobs, user, token, client, contact, field,
model, role, team, portal, schema, demo, quickstart, webhook (amity/cli_webhooks.py), calendar
(amity/cli_calendar.py)."""

from __future__ import annotations

import argparse
import atexit
import getpass
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from amity.api.access_guard import parse_address
from amity.api.metrics import MULTIPROCESS_DIR
from amity.api.native.hints import native_hint
from amity.cli_apikeys import add_apikey_commands
from amity.cli_calendar import add_calendar_commands
from amity.cli_vtiger import add_vtiger_commands
from amity.cli_webhooks import add_webhook_commands
from amity.config import Settings, describe_settings
from amity.core.actor import CLI, Actor
from amity.core.auth.clients import ClientSpec
from amity.core.auth.passwords import generate_password
from amity.core.datadir import data_dir, write_private
from amity.core.records import ListQuery
from amity.core.services import Services, build_services
from amity.errors import AmityError, BadRequest, NotFound
from amity.store.engine import describe_url
from amity.store.migrate import migrate, schema_version

ADMIN_ID = "1"  # 1CRM's admin user id
# the Services the running command opened; main() closes them when the command ends, so a
# command run in-process (the tests) leaves no connection or thread behind
_opened: list[Services] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AmityError as exc:
        hint = native_hint(exc)
        print(f"error: {exc.message}" + (f" ({hint})" if hint else ""), file=sys.stderr)
        return 1
    finally:
        while _opened:
            _opened.pop().close()  # closing twice is harmless


def build_parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(
        f"  {name} (default {default!r}): {text}" for name, default, text in describe_settings()
    )
    parser = argparse.ArgumentParser(
        prog="amity",
        description="Amity CRM server (1CRM-compatible REST API).",
        epilog="settings (environment variables):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("init", help="create or upgrade the database and the admin user")
    p.add_argument("--admin-user", default="admin", help="admin user name (default admin)")
    p.add_argument("--admin-password", help="admin password (generated and printed if omitted)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "migrate",
        help="create or upgrade the schema only (run once before new workers start)",
    )
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("serve", help="serve the API over HTTP")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); clients on other "
        "machines need HTTPS: a TLS proxy in front, or AMITY_REQUIRE_HTTPS=false",
    )
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker",
        help="run background jobs in the foreground until stopped (PostgreSQL: as many "
        "as wanted, on any machines; SQLite: `amity serve` runs them already)",
    )
    p.set_defaults(func=cmd_worker)
    add_jobs_commands(sub)
    add_webhook_commands(sub)
    add_calendar_commands(sub)

    user = sub.add_parser("user", help="manage users").add_subparsers(title="user commands")
    p = user.add_parser("add", help="add a user")
    p.add_argument("name")
    p.add_argument("--password", help="password (generated and printed if omitted)")
    p.add_argument("--admin", action="store_true", help="make the user an administrator")
    p.set_defaults(func=cmd_user_add)
    p = user.add_parser("list", help="list users")
    p.set_defaults(func=cmd_user_list)
    p = user.add_parser("passwd", help="set a user's password (asked twice on a terminal)")
    p.add_argument("name")
    p.add_argument("--password", help="the new password (instead of being asked for it)")
    p.set_defaults(func=cmd_user_passwd)
    p = user.add_parser("deactivate", help="stop a user signing in (tokens stop working too)")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_deactivate)
    p = user.add_parser("activate", help="let a deactivated user sign in again")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_activate)
    p = user.add_parser("remove", help="remove a user (not the last active administrator)")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_remove)
    p = user.add_parser("limit", help="give a user its own rate limit, or --clear it")
    p.add_argument("name")
    p.add_argument("rate", nargs="?", help="e.g. 100/minute (AMITY_RATE_LIMIT otherwise)")
    p.add_argument("--clear", action="store_true", help="back to AMITY_RATE_LIMIT")
    p.set_defaults(func=cmd_user_limit)
    add_apikey_commands(user)
    add_vtiger_commands(user)

    token = sub.add_parser("token", help="manage personal access tokens").add_subparsers(
        title="token commands"
    )
    p = token.add_parser("create", help="create a token for USER and print it")
    p.add_argument("user")
    p.add_argument("--name", default="", help="a label for the token")
    p.set_defaults(func=cmd_token_create)
    p = token.add_parser("list", help="list USER's tokens")
    p.add_argument("user")
    p.set_defaults(func=cmd_token_list)
    p = token.add_parser("revoke", help="revoke a token by id")
    p.add_argument("id")
    p.set_defaults(func=cmd_token_revoke)

    client = sub.add_parser("client", help="manage OAuth API clients").add_subparsers(
        title="client commands"
    )
    p = client.add_parser("add", help="register a client; print its id and secret once")
    p.add_argument("name")
    p.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        dest="redirect_uris",
        metavar="URI",
        help="an allowed redirect URI (https, or http to loopback); repeatable",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="a public client (no secret; e.g. a native or browser app)",
    )
    p.add_argument(
        "--grant",
        action="append",
        dest="grants",
        metavar="G",
        help="authorization_code, client_credentials, refresh_token, password, "
        "implicit; repeatable (default authorization_code refresh_token)",
    )
    p.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        metavar="S",
        help="read, write, profile; repeatable (default all three)",
    )
    p.add_argument(
        "--owner-type",
        action="append",
        dest="owner_types",
        choices=["user", "contact"],
        help="repeatable (default user)",
    )
    p.add_argument("--user", help="the user a client_credentials client acts as")
    p.add_argument(
        "--allow-password",
        action="store_true",
        help="enable the password grant (discouraged by RFC 9700)",
    )
    p.add_argument(
        "--allow-implicit",
        action="store_true",
        help="enable the implicit grant (discouraged by RFC 9700)",
    )
    p.add_argument(
        "--allow-portal",
        action="store_true",
        help="let the client's client_credentials tokens issue portal tokens (POST /portal/auth)",
    )
    p.set_defaults(func=cmd_client_add)
    p = client.add_parser("list", help="list active clients")
    p.set_defaults(func=cmd_client_list)
    p = client.add_parser("remove", help="remove (revoke) a client by client id")
    p.add_argument("client_id")
    p.set_defaults(func=cmd_client_remove)
    p = client.add_parser("limit", help="give a client its own rate limit, or --clear it")
    p.add_argument("client_id")
    p.add_argument("rate", nargs="?", help="e.g. 100/minute (AMITY_RATE_LIMIT otherwise)")
    p.add_argument("--clear", action="store_true", help="back to AMITY_RATE_LIMIT")
    p.set_defaults(func=cmd_client_limit)

    field = sub.add_parser("field", help="manage custom fields").add_subparsers(
        title="field commands"
    )
    p = field.add_parser("add", help="add a custom field to MODEL (no restart needed)")
    p.add_argument("model")
    p.add_argument("name", help="field name ending in _c, e.g. contract_tier_c")
    p.add_argument(
        "type",
        help="Boolean, ColorSwatch, Checkbox, Date, DateTime, File, Image, MultiSelect, "
        "Number, Numeric, Radio, Select, Text, Textarea, Timezone or URL",
    )
    p.add_argument("--label", help="label (default: from the name)")
    p.add_argument("--required", action="store_true", help="a value is required")
    p.add_argument("--indexed", action="store_true", help="index the column")
    p.add_argument(
        "--unique",
        action="store_true",
        help="one value per record (Text, URL, Number, Numeric, Date, DateTime)",
    )
    p.add_argument(
        "--auto-number",
        action="store_true",
        help="a Number the server gives records (existing ones too: 1, 2, 3 ...)",
    )
    p.add_argument(
        "--option",
        action="append",
        dest="options",
        metavar="LABEL",
        help="an option of a Checkbox, MultiSelect, Radio or Select field, in order; repeatable",
    )
    p.set_defaults(func=cmd_field_add)
    p = field.add_parser("list", help="list the custom fields of MODEL (or of every model)")
    p.add_argument("model", nargs="?")
    p.set_defaults(func=cmd_field_list)
    p = field.add_parser("remove", help="remove (hide) a custom field; its values are kept")
    p.add_argument("model")
    p.add_argument("name")
    p.set_defaults(func=cmd_field_remove)
    p = field.add_parser(
        "audit",
        help="switch whether changes of a field (built-in or custom) go into the audit "
        "(/api.php/audit); without on|off, show it",
    )
    p.add_argument("model")
    p.add_argument("name")
    p.add_argument("state", nargs="?", choices=("on", "off"))
    p.set_defaults(func=cmd_field_audit)

    add_model_commands(sub)
    add_access_commands(sub)

    contact = sub.add_parser("contact", help="manage portal contacts").add_subparsers(
        title="contact commands"
    )
    p = contact.add_parser(
        "password",
        help="set a contact's portal password (OAuth owner "
        "type contact: the login is the contact's e-mail address)",
    )
    p.add_argument("contact_id")
    p.add_argument("--password", help="password (generated and printed if omitted)")
    p.set_defaults(func=cmd_contact_password)

    schema = sub.add_parser("schema", help="export or import the configuration").add_subparsers(
        title="schema commands"
    )
    p = schema.add_parser(
        "export",
        help="print (or write) custom models and fields, picklist dependencies and layouts as JSON",
    )
    p.add_argument("--output", "-o", help="a file to write instead of standard output")
    p.set_defaults(func=cmd_schema_export)
    p = schema.add_parser(
        "import", help="apply an exported JSON file (adds and changes; removes nothing)"
    )
    p.add_argument("file")
    p.set_defaults(func=cmd_schema_import)

    p = sub.add_parser("demo", help="load deterministic demo data (once; --again for more)")
    p.add_argument("--contacts", type=int, default=200, help="how many contacts (default 200)")
    p.add_argument("--seed", type=int, help="random seed (default 1; with --again, the next one)")
    p.add_argument(
        "--again",
        action="store_true",
        help="load another copy when the demo data is already loaded",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("quickstart", help="first run: init, demo data, token; print login")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.set_defaults(func=cmd_quickstart)
    return parser


def open_services(create: bool = False) -> Services:
    """Services on the configured database, upgraded to this version's schema. A database
    never initialised is refused unless `create` (init and quickstart make one)."""
    services = connect_database(Settings.from_env(), create)
    _opened.append(services)
    migrate(services.db)
    services.metadata.refresh()  # custom fields and models
    services.metadata.upgrade_custom_tables()
    return services


def connect_database(settings: Settings, create: bool) -> Services:
    """Services on the database, named on stderr once it answers: one error line when it
    cannot be reached, or when it was never initialised and `create` is false (run from
    another folder, the default ./amity.db is not silently created)."""
    services = build_services(settings)
    shown = describe_url(settings.database_url)
    try:
        if schema_version(services.db) is None and not create:
            raise NotFound(
                "the database {shown} was never initialised",
                "run `amity init` first, or set AMITY_DATABASE_URL to the database you mean",
                shown=shown,
            )
    except AmityError:
        services.close()
        raise
    print(f"database: {shown}", file=sys.stderr)
    return services


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the schema to this version (the built-in and custom models' tables, the job
    queue) and say what changed; processes migrating at once take turns (PostgreSQL)."""
    services = connect_database(Settings.from_env(), create=True)
    _opened.append(services)
    done = migrate(services.db)
    services.metadata.refresh()
    done += services.metadata.upgrade_custom_tables()
    for step in done:
        print(step)
    version = schema_version(services.db)
    print(f"schema version {version}: " + ("upgraded" if done else "already up to date"))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    services = open_services(create=True)
    password = init_admin(services, args.admin_user, args.admin_password)
    print(f"database ready: {describe_url(services.settings.database_url)}")
    if password and not args.admin_password:
        print(f"admin user: {args.admin_user}\nadmin password: {password}")
    return 0


def init_admin(services: Services, user_name: str, password: str | None) -> str | None:
    """Create the admin user if missing; returns the password set (None if it existed)."""
    users = services.auth.list_users()
    if any(u["user_name"] == user_name for u in users):
        if password:
            services.auth.set_password(
                services.auth.user_by_name(user_name)["id"], password, actor=CLI
            )
        return password
    password = password or generate_password()
    user_id = ADMIN_ID if not users else None
    actor = Actor(user_id=user_id or ADMIN_ID, user_name=user_name, is_admin=True, source="cli")
    services.auth.add_user(
        actor,
        user_name,
        password,
        admin=True,
        first_name="",
        last_name="Administrator",
        user_id=user_id,
    )
    return password


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    services = open_services()
    settings = services.settings
    services.oauth.signer.key  # noqa: B018 - create the signing key before workers start
    services.close()
    warning = exposure_warning(args.host, args.port, settings)
    if warning:
        print(warning, file=sys.stderr)
    if args.workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
        # the workers' metrics, summed by whichever answers /metrics; removed at exit
        shared = tempfile.TemporaryDirectory(prefix="amity-metrics-")
        atexit.register(shared.cleanup)
        os.environ[MULTIPROCESS_DIR] = shared.name
    uvicorn.run(
        "amity.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        access_log=False,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
    )  # amity.api.access_guard decides whom to believe
    return 0


def exposure_warning(host: str, port: int, settings: Settings) -> str | None:
    """What `amity serve` says when it listens beyond loopback, where plain HTTP from other
    machines is refused (or, with AMITY_REQUIRE_HTTPS=false, crosses the network in clear)."""
    address = parse_address(host)
    if host == "localhost" or (address is not None and address.is_loopback):
        return None
    if not settings.require_https:
        return (
            f"warning: serving plain HTTP on {host} (AMITY_REQUIRE_HTTPS=false): "
            f"passwords and tokens cross the network unencrypted"
        )
    return (
        f"warning: serving on {host}: plain HTTP from other machines gets 403 "
        f"https_required. Put a TLS proxy in front (e.g. Caddy: `crm.example.com "
        f"{{ reverse_proxy 127.0.0.1:{port} }}`, with AMITY_TRUSTED_PROXIES=127.0.0.1), "
        f"or set AMITY_REQUIRE_HTTPS=false to allow plain HTTP"
    )


def cmd_user_add(args: argparse.Namespace) -> int:
    services = open_services()
    password = args.password or generate_password()
    user_id = services.auth.add_user(CLI, args.name, password, admin=args.admin)
    print(f"user {args.name} created (id {user_id})")
    if not args.password:
        print(f"password: {password}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    for user in open_services().auth.list_users():
        flag = " admin" if user["is_admin"] else ""
        print(f"{user['id']}\t{user['user_name']}\t{user['status']}{flag}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    services = open_services()
    user = services.auth.user_by_name(args.name)
    password = args.password or ask_new_password()
    services.auth.set_password(user["id"], password, actor=CLI)
    print(f"password of {args.name} changed")
    return 0


def ask_new_password() -> str:
    """A new password typed twice at the terminal (not echoed)."""
    if not sys.stdin.isatty():
        raise BadRequest("No terminal to ask for the password on", "pass --password PW")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the new password: ") != password:
        raise BadRequest("The passwords do not match", "nothing was changed")
    return password


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    open_services().auth.set_active(CLI, args.name, False)
    print(f"user {args.name} deactivated")
    return 0


def cmd_user_activate(args: argparse.Namespace) -> int:
    open_services().auth.set_active(CLI, args.name, True)
    print(f"user {args.name} activated")
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    open_services().auth.remove_user(CLI, args.name)
    print(f"user {args.name} removed")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    token_id, token = open_services().auth.create_token(args.user, args.name, actor=CLI)
    print(token)
    print(f"(token id {token_id}; store it now, it is not shown again)", file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    for t in open_services().auth.list_tokens(args.user):
        state = "revoked" if t["revoked"] else "active"
        print(f"{t['id']}\t{t['name']}\t{t['date_created']:%Y-%m-%d %H:%M:%S}\t{state}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    open_services().auth.revoke_token(args.id, actor=CLI)
    print(f"token {args.id} revoked")
    return 0


def cmd_client_add(args: argparse.Namespace) -> int:
    spec = ClientSpec(
        name=args.name,
        redirect_uris=args.redirect_uris,
        confidential=not args.public,
        grants=args.grants,
        scopes=args.scopes,
        owner_types=args.owner_types,
        user=args.user,
        allow_password=args.allow_password,
        allow_implicit=args.allow_implicit,
        allow_portal=args.allow_portal,
    )
    client, secret = open_services().clients.add(CLI, spec)
    print(f"client_id: {client['client_id']}")
    if secret is not None:
        print(f"client_secret: {secret}")
        print("(store the secret now, it is not shown again)", file=sys.stderr)
    return 0


def cmd_client_list(args: argparse.Namespace) -> int:
    for c in open_services().clients.list(CLI):
        kind = "confidential" if c["confidential"] else "public"
        print(
            f"{c['client_id']}\t{c['name']}\t{kind}\t{','.join(c['grants'])}\t"
            f"{' '.join(c['redirect_uris'])}"
        )
    return 0


def cmd_client_limit(args: argparse.Namespace) -> int:
    return set_rate_limit("client", args.client_id, args)


def cmd_user_limit(args: argparse.Namespace) -> int:
    svc = open_services()
    return set_rate_limit("user", svc.auth.user_by_name(args.name)["id"], args, svc)


def set_rate_limit(
    kind: str, subject_id: str, args: argparse.Namespace, svc: Services | None = None
) -> int:
    """`amity user|client limit`: set, show or clear a rate limit of one's own."""
    limits = (svc or open_services()).rate_limits
    label = f"{kind} {getattr(args, 'name', None) or subject_id}"
    if args.clear:
        limits.remove(CLI, kind, subject_id)
        print(f"{label}: rate limit back to AMITY_RATE_LIMIT")
    elif args.rate:
        row = limits.set(CLI, kind, subject_id, args.rate)
        print(f"{label}: rate limit {row['rate_limit']}")
    else:
        own = limits.rate_for(kind, subject_id)
        print(f"{label}: rate limit {own or 'AMITY_RATE_LIMIT (default)'}")
    return 0


def cmd_client_remove(args: argparse.Namespace) -> int:
    open_services().clients.remove(CLI, args.client_id)
    print(f"client {args.client_id} removed")
    return 0


def cmd_field_add(args: argparse.Namespace) -> int:
    body: dict[str, object] = {
        "name": args.name,
        "type": args.type,
        "required": args.required,
        "indexed": args.indexed,
        "unique": args.unique,
        "auto_number": args.auto_number,
    }
    if args.label is not None:
        body["label"] = args.label
    if args.options:
        body["options"] = args.options
    field = open_services().fields.add(CLI, args.model, body)
    print(f"field {field['name']} ({field['type']}) added to {field['model']}")
    for option in field.get("options", []):
        print(f"  option {option['id']}: {option['label']}")
    return 0


def cmd_field_list(args: argparse.Namespace) -> int:
    services = open_services()
    models = [args.model] if args.model else sorted(services.db.registry.models)
    for model in models:
        for fd in services.fields.list(CLI, model):
            flags = "".join(
                (
                    " required" if fd["required"] else "",
                    " indexed" if fd["indexed"] else "",
                    " unique" if fd["unique"] else "",
                    " auto_number" if fd["auto_number"] else "",
                    "" if fd["audited"] else " not-audited",
                )
            )
            options = ", ".join(
                f"{o['id']}={o['label']}" + (" (retired)" if o["retired"] else "")
                for o in fd.get("options", [])
            )
            print(
                f"{fd['model']}\t{fd['name']}\t{fd['type']}\t{fd['label']}{flags}"
                + (f"\t{options}" if options else "")
            )
    return 0


def cmd_field_remove(args: argparse.Namespace) -> int:
    open_services().fields.remove(CLI, args.model, args.name)
    print(f"field {args.name} removed from {args.model} (its column and values are kept)")
    return 0


def cmd_field_audit(args: argparse.Namespace) -> int:
    services = open_services()
    if args.state is not None:
        services.fields.set_audited(CLI, args.model, args.name, args.state == "on")
    fd = services.records.model(args.model).fields.get(args.name)
    if fd is None:
        raise NotFound(
            "No field {name} in model {model}",
            "GET /meta/fields/{model} lists its fields",
            name=args.name,
            model=args.model,
        )
    print(f"{args.model}.{args.name} audited: {'on' if fd.audited else 'off'}")
    return 0


def add_model_commands(sub: Any) -> None:
    """`amity model add|list|link|unlink|remove|restore`."""
    model = sub.add_parser("model", help="manage custom models").add_subparsers(
        title="model commands"
    )
    p = model.add_parser("add", help="define a custom model (no restart needed)")
    p.add_argument("name", help="a capitalised name, e.g. Subscription")
    p.add_argument("--label", help="label (default: the name)")
    p.add_argument("--module", help="module name (default: the name + s)")
    p.add_argument(
        "--activities",
        action="store_true",
        help="let tasks, calls, meetings and notes belong to its records",
    )
    p.add_argument(
        "--field",
        action="append",
        dest="fields",
        default=[],
        metavar="NAME:TYPE[:OPTION,OPTION...]",
        help="a field, e.g. seats:Number or plan:Select:Basic,Pro; repeatable",
    )
    p.add_argument(
        "--link",
        action="append",
        dest="links",
        default=[],
        metavar="NAME:KIND:TARGET[:REVERSE]",
        help="a link, e.g. account:many_to_one:Account or "
        "contacts:many_to_many:Contact:subscriptions; repeatable",
    )
    p.add_argument(
        "--portal",
        metavar="LINK[:create]",
        help="let portal contacts read the records its link LINK to Contact joins "
        "to them (and with :create, create records linked to them)",
    )
    p.set_defaults(func=cmd_model_add)
    p = model.add_parser("list", help="list the custom models, their fields and links")
    p.add_argument("--all", action="store_true", help="removed models too")
    p.set_defaults(func=cmd_model_list)
    p = model.add_parser("link", help="link a custom model to a model (no restart needed)")
    p.add_argument("name", help="the custom model")
    p.add_argument(
        "link",
        metavar="NAME:KIND:TARGET[:REVERSE]",
        help="e.g. plan:many_to_one:Plan or leads:many_to_many:Lead",
    )
    p.set_defaults(func=cmd_model_link)
    p = model.add_parser("unlink", help="remove a link of a custom model; values are kept")
    p.add_argument("name", help="the custom model")
    p.add_argument("link", help="the link's name")
    p.set_defaults(func=cmd_model_unlink)
    p = model.add_parser("remove", help="remove (hide) a custom model; its rows are kept")
    p.add_argument("name")
    p.set_defaults(func=cmd_model_remove)
    p = model.add_parser("restore", help="bring a removed custom model back with its rows")
    p.add_argument("name")
    p.set_defaults(func=cmd_model_restore)


def link_spec(spec: str) -> dict[str, str]:
    """NAME:KIND:TARGET[:REVERSE] as the body of a link."""
    parts = spec.split(":")
    if len(parts) not in (3, 4):
        raise BadRequest("--link {spec!r} is not NAME:KIND:TARGET[:REVERSE]", spec=spec)
    return dict(zip(("name", "kind", "target", "reverse"), parts, strict=False))


def cmd_model_add(args: argparse.Namespace) -> int:
    fields: list[dict[str, object]] = []
    for spec in args.fields:
        name, _, rest = spec.partition(":")
        type_name, _, options = rest.partition(":")
        fields.append(
            {"name": name, "type": type_name} | ({"options": options.split(",")} if options else {})
        )
    links = [link_spec(spec) for spec in args.links]
    body: dict[str, object] = {
        "name": args.name,
        "fields": fields,
        "links": links,
        "activities": args.activities,
    }
    body |= {k: v for k, v in (("label", args.label), ("module", args.module)) if v}
    if args.portal:
        link, _, create = args.portal.partition(":")
        if create not in ("", "create"):
            raise BadRequest("--portal {portal!r} is not LINK or LINK:create", portal=args.portal)
        body["portal"] = {"link": link, "create": create == "create"}
    model = open_services().models.create(CLI, body)
    print(f"model {model['name']} added (table {model['table']}, /api.php/data/{model['name']})")
    return 0


def cmd_model_list(args: argparse.Namespace) -> int:
    for model in open_services().models.list(CLI, include_removed=args.all):
        fields = ", ".join(f"{fd['name']}:{fd['type']}" for fd in model["fields"])
        links = ", ".join(
            f"{lk['name']} {lk['kind']} {lk['target']} (back: {lk['reverse']})"
            for lk in model["links"]
        )
        removed = "\tremoved" if model.get("removed") else ""
        print(f"{model['name']}\t{model['label']}\t{model['table']}\t{fields}\t{links}{removed}")
    return 0


def cmd_model_link(args: argparse.Namespace) -> int:
    link = link_spec(args.link)
    open_services().models.add_link(CLI, args.name, link)
    print(f"link {args.name}.{link['name']} to {link['target']} added")
    return 0


def cmd_model_unlink(args: argparse.Namespace) -> int:
    open_services().models.remove_link(CLI, args.name, args.link)
    print(f"link {args.name}.{args.link} removed (its values are kept)")
    return 0


def cmd_model_remove(args: argparse.Namespace) -> int:
    open_services().models.remove(CLI, args.name)
    print(f"model {args.name} removed (its table and rows are kept)")
    return 0


def cmd_model_restore(args: argparse.Namespace) -> int:
    open_services().models.restore(CLI, args.name)
    print(f"model {args.name} restored (/api.php/data/{args.name})")
    return 0


RIGHT_CHOICES = ["all", "owned", "none"]


def add_access_commands(sub: Any) -> None:
    """`amity role ...`, `amity team ...` and `amity portal ...`."""
    role = sub.add_parser("role", help="manage roles and their per-model rights").add_subparsers(
        title="role commands"
    )
    p = role.add_parser("add", help="add a role (no rights until set)")
    p.add_argument("name")
    p.add_argument("--description", default="")
    p.set_defaults(func=cmd_role_add)
    p = role.add_parser("list", help="list roles and their users")
    p.set_defaults(func=cmd_role_list)
    p = role.add_parser("show", help="a role's rights per model and its users")
    p.add_argument("name")
    p.set_defaults(func=cmd_role_show)
    p = role.add_parser(
        "set",
        help="set a role's rights on MODEL ('*': every model the "
        "role does not name); options not given keep their value",
    )
    p.add_argument("name")
    p.add_argument("model")
    p.add_argument("--access", choices=["yes", "no"])
    for right in ("read", "edit", "delete"):
        p.add_argument(f"--{right}", choices=RIGHT_CHOICES)
    p.set_defaults(func=cmd_role_set)
    p = role.add_parser("unset", help="drop a role's entry for MODEL (then '*' applies)")
    p.add_argument("name")
    p.add_argument("model")
    p.set_defaults(func=cmd_role_unset)
    p = role.add_parser("remove", help="remove a role (its users get the default role)")
    p.add_argument("name")
    p.set_defaults(func=cmd_role_remove)
    p = role.add_parser("assign", help="give USERs the role (replacing their role)")
    p.add_argument("name")
    p.add_argument("users", nargs="+", metavar="USER")
    p.set_defaults(func=cmd_role_assign)
    p = role.add_parser("unassign", help="take USERs' role away (the default role applies)")
    p.add_argument("users", nargs="+", metavar="USER")
    p.set_defaults(func=cmd_role_unassign)

    team = sub.add_parser("team", help="manage teams (members share owned records)").add_subparsers(
        title="team commands"
    )
    p = team.add_parser("add", help="add a team")
    p.add_argument("name")
    p.add_argument("--description", default="")
    p.add_argument(
        "--member",
        action="append",
        default=[],
        dest="members",
        metavar="USER",
        help="a member; repeatable",
    )
    p.set_defaults(func=cmd_team_add)
    p = team.add_parser("list", help="list teams and their members")
    p.set_defaults(func=cmd_team_list)
    p = team.add_parser("remove", help="remove a team")
    p.add_argument("name")
    p.set_defaults(func=cmd_team_remove)
    member = team.add_parser("member", help="add or remove members").add_subparsers(
        title="member commands"
    )
    p = member.add_parser("add", help="add USERs to TEAM")
    p.add_argument("team")
    p.add_argument("users", nargs="+", metavar="USER")
    p.set_defaults(func=cmd_team_member_add)
    p = member.add_parser("remove", help="remove USERs from TEAM")
    p.add_argument("team")
    p.add_argument("users", nargs="+", metavar="USER")
    p.set_defaults(func=cmd_team_member_remove)

    portal = sub.add_parser("portal", help="portal contacts' access tokens").add_subparsers(
        title="portal commands"
    )
    p = portal.add_parser("token", help="issue a token for the contact and print it")
    p.add_argument("contact_id")
    p.set_defaults(func=cmd_portal_token)
    p = portal.add_parser("revoke", help="revoke every token of the contact")
    p.add_argument("contact_id")
    p.set_defaults(func=cmd_portal_revoke)


def print_role(role: dict[str, Any]) -> None:
    print(f"role {role['name']}" + (f": {role['description']}" if role["description"] else ""))
    print("users: " + (", ".join(role["users"]) or "(none)"))
    for model, r in role["rights"].items():
        access = "yes" if r["access"] else "no"
        print(f"  {model}\taccess={access} read={r['read']} edit={r['edit']} delete={r['delete']}")


def cmd_role_add(args: argparse.Namespace) -> int:
    role = open_services().acl.add_role(CLI, args.name, args.description)
    print(
        f"role {role['name']} created; give it rights with: amity role set "
        f"{role['name']} MODEL --read all ..."
    )
    return 0


def cmd_role_list(args: argparse.Namespace) -> int:
    for role in open_services().acl.list_roles(CLI):
        print(f"{role['name']}\t{len(role['users'])} users\t{role['description']}")
    return 0


def cmd_role_show(args: argparse.Namespace) -> int:
    print_role(open_services().acl.get_role(CLI, args.name))
    return 0


def cmd_role_set(args: argparse.Namespace) -> int:
    rights: dict[str, Any] = {
        k: getattr(args, k) for k in ("read", "edit", "delete") if getattr(args, k) is not None
    }
    if args.access is not None:
        rights["access"] = args.access == "yes"
    print_role(open_services().acl.update_role(CLI, args.name, rights={args.model: rights}))
    return 0


def cmd_role_unset(args: argparse.Namespace) -> int:
    print_role(open_services().acl.update_role(CLI, args.name, rights={args.model: None}))
    return 0


def cmd_role_remove(args: argparse.Namespace) -> int:
    open_services().acl.remove_role(CLI, args.name)
    print(f"role {args.name} removed")
    return 0


def cmd_role_assign(args: argparse.Namespace) -> int:
    open_services().acl.assign_role(CLI, args.name, args.users)
    print(f"role {args.name} given to {', '.join(args.users)}")
    return 0


def cmd_role_unassign(args: argparse.Namespace) -> int:
    open_services().acl.assign_role(CLI, None, args.users)
    print(f"{', '.join(args.users)}: default role")
    return 0


def cmd_team_add(args: argparse.Namespace) -> int:
    team = open_services().acl.add_team(CLI, args.name, args.description, args.members)
    print(f"team {team['name']} created: " + (", ".join(team["members"]) or "no members"))
    return 0


def cmd_team_list(args: argparse.Namespace) -> int:
    for team in open_services().acl.list_teams(CLI):
        print(f"{team['name']}\t{', '.join(team['members'])}\t{team['description']}")
    return 0


def cmd_team_remove(args: argparse.Namespace) -> int:
    open_services().acl.remove_team(CLI, args.name)
    print(f"team {args.name} removed")
    return 0


def cmd_team_member_add(args: argparse.Namespace) -> int:
    team = open_services().acl.add_members(CLI, args.team, args.users)
    print(f"team {team['name']}: {', '.join(team['members'])}")
    return 0


def cmd_team_member_remove(args: argparse.Namespace) -> int:
    acl = open_services().acl
    for user in args.users:
        acl.remove_member(CLI, args.team, user)
    print(f"removed from team {args.team}: {', '.join(args.users)}")
    return 0


def cmd_portal_token(args: argparse.Namespace) -> int:
    token = open_services().auth.portal.issue(CLI, args.contact_id)
    print(token["access_token"])
    print(
        f"(expires in {token['expires_in']} s; store it now, it is not shown again)",
        file=sys.stderr,
    )
    return 0


def cmd_portal_revoke(args: argparse.Namespace) -> int:
    count = open_services().auth.portal.revoke_contact(CLI, args.contact_id)
    print(f"{count} portal token(s) of contact {args.contact_id} revoked")
    return 0


def cmd_contact_password(args: argparse.Namespace) -> int:
    password = args.password or generate_password()
    open_services().oauth.set_contact_password(args.contact_id, password, actor=CLI)
    print(f"portal password set for contact {args.contact_id}")
    if not args.password:
        print(f"password: {password}")
    return 0


def cmd_schema_export(args: argparse.Namespace) -> int:
    document = json.dumps(open_services().schema.export(CLI), indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(document + "\n", encoding="utf-8")
        print(f"schema written to {args.output}")
    else:
        print(document)
    return 0


def cmd_schema_import(args: argparse.Namespace) -> int:
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    services = open_services()
    done = services.schema.import_(CLI, document)
    services.metadata.refresh()
    for line in done:
        print(line)
    print(f"{len(done)} change(s)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo data once; `--again` adds another load (the next seed unless given)."""
    from amity.core.demo import demo_loads, load_demo

    services = open_services()
    loads = demo_loads(services)
    if loads and not args.again:
        print(f"the demo data is already loaded ({loads} time(s)); `amity demo --again` adds more")
        return 0
    seed = args.seed if args.seed is not None else loads + 1
    counts = load_demo(services, contacts=args.contacts, seed=seed)
    print("demo data loaded: " + ", ".join(f"{n} {m}" for m, n in counts.items()))
    return 0


LOGIN_FILE = ".amity-login"
UNKNOWN_PASSWORD = (
    "(the one set with `amity init`; set another with `amity init --admin-password NEW`)"
)


def cmd_quickstart(args: argparse.Namespace) -> int:
    """Prepare the database on first run and print how to log in (every run), with
    credentials that still work: a token revoked since is replaced, a password changed
    since is not shown. The lines are kept in .amity-login in the data directory."""
    services = open_services(create=True)
    login = data_dir(services.settings) / LOGIN_FILE
    values = read_login(login)
    notes: list[str] = []
    if values.get("user") not in {u["user_name"] for u in services.auth.list_users()}:
        values = quickstart_first_run(services)
    else:
        notes = renew_login(services, values)
    write_private(login, "".join(f"{key}={value}\n" for key, value in values.items()))
    token = values["token"]
    site = f"http://127.0.0.1:{args.port}"
    base = f"{site}/api.php"
    print(
        f"""
Amity is ready ({describe_url(services.settings.database_url)}).
  dashboard:      {site}/app/ (sign in as the admin below)
  admin user:     {values["user"]}
  admin password: {values["password"] or UNKNOWN_PASSWORD}
  access token:   {token}
"""
        + "".join(f"  ({note})\n" for note in notes)
        + f"""Try:
  curl -H 'Authorization: Bearer {token}' '{base}/data/Contact?limit=2'
(these lines are kept in {login})
"""
    )
    return 0


def read_login(login: Path) -> dict[str, str]:
    """The user=, password= and token= lines of a login file ({} when there is none)."""
    if not login.exists():
        return {}
    return dict(line.split("=", 1) for line in login.read_text().splitlines() if "=" in line)


def quickstart_first_run(services: Services) -> dict[str, str]:
    """The admin (its password when new), the demo data on an empty database, a token."""
    from amity.core.demo import demo_loads, load_demo

    password = init_admin(services, "admin", None) or ""
    contacts = services.records.list_records(CLI, "Contact", ListQuery(limit=1))
    if contacts.total_results == 0 and not demo_loads(services):
        load_demo(services, contacts=200, seed=1)
    _, token = services.auth.create_token("admin", "quickstart", actor=CLI)
    return {"user": "admin", "password": password, "token": token}


def add_jobs_commands(sub: Any) -> None:
    """`amity jobs list|retry|cancel`."""
    jobs = sub.add_parser("jobs", help="see and steer background jobs").add_subparsers(
        title="jobs commands"
    )
    p = jobs.add_parser("list", help="list jobs, newest first")
    p.add_argument("--state", help="only jobs in this state: todo, doing, succeeded, failed, ...")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip this many (default 0)")
    p.set_defaults(func=cmd_jobs_list)
    p = jobs.add_parser("retry", help="run a failed or cancelled job again now")
    p.add_argument("id")
    p.set_defaults(func=cmd_jobs_retry)
    p = jobs.add_parser("cancel", help="cancel a job that waits to run")
    p.add_argument("id")
    p.set_defaults(func=cmd_jobs_cancel)


def cmd_worker(args: argparse.Namespace) -> int:
    from amity.app import configure_logging

    services = open_services()
    configure_logging(services.settings)
    try:
        services.jobs.runner().run_forever()
    finally:
        services.close()
    return 0


def print_job(job: dict[str, Any]) -> None:
    attempts = f"{job['attempts']}/{job['max_attempts'] or '?'}"
    when = job["next_run"] or job["date_modified"] or ""
    error = job["last_error"] or ""
    line = f"{job['id']}\t{job['task']}\t{job['state']}\t{attempts}\t{when}\t{job['lock'] or ''}"
    print(line + (f"\t{error}" if error else ""))


def cmd_jobs_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 200 or args.offset < 0:
        raise BadRequest("offset must be >= 0 and limit 1..{max_limit}", max_limit=200)
    records, total = open_services().jobs.list_jobs(
        CLI, state=args.state, offset=args.offset, limit=args.limit
    )
    for job in records:
        print_job(job)
    print(f"({len(records)} of {total} jobs)", file=sys.stderr)
    return 0


def cmd_jobs_retry(args: argparse.Namespace) -> int:
    print_job(open_services().jobs.retry(CLI, args.id))
    return 0


def cmd_jobs_cancel(args: argparse.Namespace) -> int:
    print_job(open_services().jobs.cancel(CLI, args.id))
    return 0


def renew_login(services: Services, values: dict[str, str]) -> list[str]:
    """Check the kept password and token: forget a password changed since, replace a
    token revoked since. Returns what changed, to say so."""
    notes = []
    if values.get("password") == "(unchanged)":  # what older versions kept for an old admin
        values["password"] = ""
    if values.get("password"):
        try:
            services.auth.check_password(values["user"], values["password"])
        except AmityError:
            values["password"] = ""
            notes.append("the admin password printed before was changed since")
    try:
        valid = services.auth.authenticate(f"Bearer {values.get('token')}", "cli") is not None
    except AmityError:
        valid = False
    if valid:
        return notes
    if services.auth.user_by_name(values["user"]).get("status") != "Active":
        notes.append(
            f"user {values['user']} is deactivated: these credentials do not work "
            f"until `amity user activate {values['user']}`"
        )
        return notes
    _, values["token"] = services.auth.create_token(values["user"], "quickstart", actor=CLI)
    notes.append("a new access token: the one printed before was revoked")
    return notes
