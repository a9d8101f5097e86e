"""`amity user api-key NAME`: make (or replace) a user's OpenCRM API key pair and print
both halves once; the user's earlier pair and its access keys stop working."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_apikey_commands(user: Any) -> None:
    """Adds `api-key` to the `amity user` subcommands."""
    p = user.add_parser(
        "api-key", help="make or replace USER's OpenCRM API key and pass key (shown once)"
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_user_api_key)


def cmd_user_api_key(args: argparse.Namespace) -> int:
    from amity.cli import open_services

    services = open_services()
    try:
        user = services.auth.user_by_name(args.name)
        api_key, pass_key = services.api_keys.create(user["id"])
        print(f"api key:  {api_key}")
        print(f"pass key: {pass_key}")
        print(
            "(send them as apikey and passkey, or KEY1 and KEY2 headers, to /api/rest/...; "
            "they are not shown again, and an earlier pair of this user stops working)",
            file=sys.stderr,
        )
        return 0
    finally:
        services.close()
