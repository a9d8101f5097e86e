"""`amity calendar token USER [--revoke]`: a user's calendar feed link from the command
line (as admin): prints the feed URL with a new token, or revokes the user's token."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from amity.core.actor import CLI

DEFAULT_BASE = "http://127.0.0.1:8000"


def add_calendar_commands(sub: Any) -> None:
    calendar = sub.add_parser("calendar", help="calendar feeds").add_subparsers(
        title="calendar commands"
    )
    p = calendar.add_parser(
        "token", help="print USER's calendar feed URL with a new token, or --revoke it"
    )
    p.add_argument("user")
    p.add_argument("--revoke", action="store_true", help="revoke the user's feed token")
    p.add_argument(
        "--base-url",
        help=f"the server's address in the URL (default AMITY_OAUTH_ISSUER, else {DEFAULT_BASE})",
    )
    p.set_defaults(func=cmd_calendar_token)


def cmd_calendar_token(args: argparse.Namespace) -> int:
    from amity.cli import open_services

    services = open_services()
    try:
        user = services.auth.user_by_name(args.user)
        tokens = services.calendar.tokens
        if args.revoke:
            tokens.revoke(CLI, user["id"])
            print(f"calendar feed token of {args.user} revoked")
            return 0
        token = tokens.issue(CLI, user["id"])
        base = (args.base_url or services.settings.oauth_issuer or DEFAULT_BASE).rstrip("/")
        print(f"{base}/api.php/calendar/ics/{token}")
        print(
            "(subscribe to this URL in a calendar app; it is not shown again, and an "
            "earlier link of this user stops working)",
            file=sys.stderr,
        )
        return 0
    finally:
        services.close()
