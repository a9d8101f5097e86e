"""`amity user access-key NAME`: create or rotate a user's access key for Vtiger's
RestfulApi (`/modules/RestfulApi/auth/KEY`); printed once, stored hashed."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_vtiger_commands(user: Any) -> None:
    """Add `access-key` to the `amity user` commands."""
    p = user.add_parser(
        "access-key", help="create or rotate NAME's access key (Vtiger RestfulApi) and print it"
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_access_key)


def cmd_access_key(args: argparse.Namespace) -> int:
    from amity.cli import open_services

    services = open_services()
    try:
        user = services.auth.user_by_name(args.name)
        print(services.access_keys.rotate(user["id"]))
        print(
            "(log in with GET /modules/RestfulApi/auth/<key>; the key is not shown again, "
            "and an earlier key of this user stops working)",
            file=sys.stderr,
        )
        return 0
    finally:
        services.close()
