"""`amity webhook list|add|remove|deliveries`: webhooks from the command line (as admin)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from amity.core.actor import CLI
from amity.errors import BadRequest

if TYPE_CHECKING:
    from amity.core.services import Services


def add_webhook_commands(sub: Any) -> None:
    webhook = sub.add_parser("webhook", help="manage webhooks").add_subparsers(
        title="webhook commands"
    )
    p = webhook.add_parser("list", help="list webhooks (id, type, model, url, owner, state)")
    p.add_argument("--limit", type=int, default=200, help="how many (default 200)")
    p.add_argument("--offset", type=int, default=0, help="skip this many (default 0)")
    p.set_defaults(func=cmd_webhook_list)
    p = webhook.add_parser("add", help="add a webhook and print its id and signing secret")
    p.add_argument("model", help="the model whose writes trigger it, e.g. Contact")
    p.add_argument("url", help="where deliveries are POSTed (https://)")
    p.add_argument(
        "--type",
        default="create_update",
        choices=["create", "update", "create_update", "delete"],
        help="which writes trigger it (default create_update)",
    )
    p.add_argument("--filters", help='a filter as JSON, e.g. \'{"glue": "and", "conditions": []}\'')
    p.add_argument("--payload", choices=["record", "event"], help="the body (default record)")
    p.add_argument("--user", help="the owner (a user name; default the admin)")
    p.set_defaults(func=cmd_webhook_add)
    p = webhook.add_parser("remove", help="remove a webhook by id")
    p.add_argument("id")
    p.set_defaults(func=cmd_webhook_remove)
    p = webhook.add_parser("deliveries", help="a webhook's delivery attempts, newest first")
    p.add_argument("id")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip this many (default 0)")
    p.set_defaults(func=cmd_webhook_deliveries)


@contextmanager
def _services() -> Iterator[Services]:
    """The configured Services for one command, closed after it (no threads left behind)."""
    from amity.cli import open_services

    services = open_services()
    try:
        yield services
    finally:
        services.close()


def cmd_webhook_list(args: argparse.Namespace) -> int:
    with _services() as services:
        rows, total = services.webhooks.page(CLI, args.offset, args.limit)
    for row in rows:
        state = f"off: {row['disabled_reason']}" if row["disabled"] else "on"
        print(
            f"{row['id']}\t{row['type']}\t{row['model']}\t{row['url']}\t"
            f"{row['assigned_user_id']}\t{state}"
        )
    print(f"({len(rows)} of {total} webhooks)", file=sys.stderr)
    return 0


def cmd_webhook_add(args: argparse.Namespace) -> int:
    data: dict[str, Any] = {"type": args.type, "url": args.url, "model": args.model}
    if args.filters:
        try:
            data["filters"] = orjson.loads(args.filters)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("--filters is not JSON: {detail}", detail=str(exc)[:200]) from None
    if args.payload:
        data["payload"] = args.payload
    with _services() as services:
        if args.user:
            data["assigned_user_id"] = services.auth.user_by_name(args.user)["id"]
        row, secret = services.webhooks.create(CLI, data)
    print(f"{row['id']}\t{secret}")
    print("the secret signs deliveries; it is shown this once", file=sys.stderr)
    return 0


def cmd_webhook_remove(args: argparse.Namespace) -> int:
    with _services() as services:
        row = services.webhooks.delete(CLI, args.id)
    print(f"removed webhook {row['id']} ({row['type']} {row['model']} -> {row['url']})")
    return 0


def cmd_webhook_deliveries(args: argparse.Namespace) -> int:
    with _services() as services:
        rows, total = services.webhooks.deliveries(CLI, args.id, args.offset, args.limit)
    for row in rows:
        status = row["status_code"] if row["status_code"] is not None else "-"
        print(
            f"{row['date_created']:%Y-%m-%d %H:%M:%S}\t{row['event_id']}\t{row['attempt']}\t"
            f"{status}\t{row['duration_ms']} ms\t{row['error'] or ''}"
        )
    print(f"({len(rows)} of {total} deliveries)", file=sys.stderr)
    return 0
