"""The `amity` command line: init, serve, user, token, client, contact, demo, quickstart."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from amity.config import Settings, describe_settings
from amity.core.actor import SYSTEM, Actor
from amity.core.auth.clients import ClientSpec
from amity.core.auth.passwords import generate_password
from amity.core.records import ListQuery
from amity.core.services import Services, build_services
from amity.errors import AmityError
from amity.store.migrate import migrate

ADMIN_ID = "1"  # 1CRM's admin user id


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AmityError as exc:
        print(f"error: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {name} (default {default!r}): {text}"
                              for name, default, text in describe_settings())
    parser = argparse.ArgumentParser(
        prog="amity", description="Amity CRM server (1CRM-compatible REST API).",
        epilog="settings (environment variables):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("init", help="create or upgrade the database and the admin user")
    p.add_argument("--admin-user", default="admin", help="admin user name (default admin)")
    p.add_argument("--admin-password", help="admin password (generated and printed if omitted)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="serve the API over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(func=cmd_serve)

    user = sub.add_parser("user", help="manage users").add_subparsers(title="user commands")
    p = user.add_parser("add", help="add a user")
    p.add_argument("name")
    p.add_argument("--password", help="password (generated and printed if omitted)")
    p.add_argument("--admin", action="store_true", help="make the user an administrator")
    p.set_defaults(func=cmd_user_add)
    p = user.add_parser("list", help="list users")
    p.set_defaults(func=cmd_user_list)

    token = sub.add_parser("token", help="manage personal access tokens").add_subparsers(
        title="token commands")
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
        title="client commands")
    p = client.add_parser("add", help="register a client; print its id and secret once")
    p.add_argument("name")
    p.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris",
                   metavar="URI", help="an allowed redirect URI (https, or http to loopback); "
                   "repeatable")
    p.add_argument("--public", action="store_true",
                   help="a public client (no secret; e.g. a native or browser app)")
    p.add_argument("--grant", action="append", dest="grants", metavar="G",
                   help="authorization_code, client_credentials, refresh_token, password, "
                   "implicit; repeatable (default authorization_code refresh_token)")
    p.add_argument("--scope", action="append", dest="scopes", metavar="S",
                   help="read, write, profile; repeatable (default all three)")
    p.add_argument("--owner-type", action="append", dest="owner_types",
                   choices=["user", "contact"], help="repeatable (default user)")
    p.add_argument("--user", help="the user a client_credentials client acts as")
    p.add_argument("--allow-password", action="store_true",
                   help="enable the password grant (discouraged by RFC 9700)")
    p.add_argument("--allow-implicit", action="store_true",
                   help="enable the implicit grant (discouraged by RFC 9700)")
    p.set_defaults(func=cmd_client_add)
    p = client.add_parser("list", help="list active clients")
    p.set_defaults(func=cmd_client_list)
    p = client.add_parser("remove", help="remove (revoke) a client by client id")
    p.add_argument("client_id")
    p.set_defaults(func=cmd_client_remove)

    contact = sub.add_parser("contact", help="manage portal contacts").add_subparsers(
        title="contact commands")
    p = contact.add_parser("password", help="set a contact's portal password (OAuth owner "
                           "type contact: the login is the contact's e-mail address)")
    p.add_argument("contact_id")
    p.add_argument("--password", help="password (generated and printed if omitted)")
    p.set_defaults(func=cmd_contact_password)

    p = sub.add_parser("demo", help="load deterministic demo data")
    p.add_argument("--contacts", type=int, default=200, help="how many contacts (default 200)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("quickstart", help="first run: init, demo data, token; print login")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.set_defaults(func=cmd_quickstart)
    return parser


def open_services() -> Services:
    services = build_services(Settings.from_env())
    migrate(services.db)
    return services


def cmd_init(args: argparse.Namespace) -> int:
    services = open_services()
    password = init_admin(services, args.admin_user, args.admin_password)
    print(f"database ready: {services.settings.database_url}")
    if password and not args.admin_password:
        print(f"admin user: {args.admin_user}\nadmin password: {password}")
    return 0


def init_admin(services: Services, user_name: str, password: str | None) -> str | None:
    """Create the admin user if missing; returns the password set (None if it existed)."""
    users = services.auth.list_users()
    if any(u["user_name"] == user_name for u in users):
        if password:
            services.auth.set_password(services.auth.user_by_name(user_name)["id"], password)
        return password
    password = password or generate_password()
    user_id = ADMIN_ID if not users else None
    actor = Actor(user_id=user_id or ADMIN_ID, user_name=user_name, is_admin=True)
    services.auth.add_user(actor, user_name, password, admin=True, first_name="",
                           last_name="Administrator", user_id=user_id)
    return password


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env()
    services = build_services(settings)
    migrate(services.db)
    services.oauth.signer.key  # noqa: B018 - create the signing key before workers start
    services.close()
    uvicorn.run("amity.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers if args.workers > 1 else None, access_log=False,
                log_level=settings.log_level.lower(), server_header=False,
                proxy_headers=False)  # amity.api.access_guard decides whom to believe
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    services = open_services()
    password = args.password or generate_password()
    user_id = services.auth.add_user(SYSTEM, args.name, password, admin=args.admin)
    print(f"user {args.name} created (id {user_id})")
    if not args.password:
        print(f"password: {password}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    for user in open_services().auth.list_users():
        flag = " admin" if user["is_admin"] else ""
        print(f"{user['id']}\t{user['user_name']}\t{user['status']}{flag}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    token_id, token = open_services().auth.create_token(args.user, args.name)
    print(token)
    print(f"(token id {token_id}; store it now, it is not shown again)", file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    for t in open_services().auth.list_tokens(args.user):
        state = "revoked" if t["revoked"] else "active"
        print(f"{t['id']}\t{t['name']}\t{t['date_created']:%Y-%m-%d %H:%M:%S}\t{state}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    open_services().auth.revoke_token(args.id)
    print(f"token {args.id} revoked")
    return 0


def cmd_client_add(args: argparse.Namespace) -> int:
    spec = ClientSpec(name=args.name, redirect_uris=args.redirect_uris,
                      confidential=not args.public, grants=args.grants, scopes=args.scopes,
                      owner_types=args.owner_types, user=args.user,
                      allow_password=args.allow_password, allow_implicit=args.allow_implicit)
    client, secret = open_services().clients.add(SYSTEM, spec)
    print(f"client_id: {client['client_id']}")
    if secret is not None:
        print(f"client_secret: {secret}")
        print("(store the secret now, it is not shown again)", file=sys.stderr)
    return 0


def cmd_client_list(args: argparse.Namespace) -> int:
    for c in open_services().clients.list(SYSTEM):
        kind = "confidential" if c["confidential"] else "public"
        print(f"{c['client_id']}\t{c['name']}\t{kind}\t{','.join(c['grants'])}\t"
              f"{' '.join(c['redirect_uris'])}")
    return 0


def cmd_client_remove(args: argparse.Namespace) -> int:
    open_services().clients.remove(SYSTEM, args.client_id)
    print(f"client {args.client_id} removed")
    return 0


def cmd_contact_password(args: argparse.Namespace) -> int:
    password = args.password or generate_password()
    open_services().oauth.set_contact_password(args.contact_id, password)
    print(f"portal password set for contact {args.contact_id}")
    if not args.password:
        print(f"password: {password}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from amity.core.demo import load_demo

    services = open_services()
    counts = load_demo(services, contacts=args.contacts, seed=args.seed)
    print("demo data loaded: " + ", ".join(f"{n} {m}" for m, n in counts.items()))
    return 0


LOGIN_FILE = ".amity-login"


def cmd_quickstart(args: argparse.Namespace) -> int:
    """Prepare ./amity.db on first run and print how to log in (every run)."""
    settings = Settings.from_env()
    login = Path(LOGIN_FILE)
    services = open_services()
    if not login.exists() or not services.auth.list_users():
        password = init_admin(services, "admin", None) or "(unchanged)"
        from amity.core.demo import load_demo

        if services.records.list_records(SYSTEM, "Contact", ListQuery(limit=1)).total_results == 0:
            load_demo(services, contacts=200, seed=1)
        _, token = services.auth.create_token("admin", "quickstart")
        login.write_text(f"user=admin\npassword={password}\ntoken={token}\n")
        login.chmod(0o600)
    values = dict(line.split("=", 1) for line in login.read_text().splitlines() if "=" in line)
    base = f"http://127.0.0.1:{args.port}/api.php"
    print(f"""
Amity is ready ({settings.database_url}).
  admin user:     {values.get('user')}
  admin password: {values.get('password')}
  access token:   {values.get('token')}
Try:
  curl -H 'Authorization: Bearer {values.get('token')}' '{base}/data/Contact?limit=2'
(these lines are kept in {LOGIN_FILE})
""")
    return 0
