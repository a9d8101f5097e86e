"""A small company for access-control tests, built through the services.

Users: alice and bob (team east, role staff), carol (team west, role staff), dave (role
reader), erin (role blocked), fred (role full), nora and zed (no role: with
AMITY_DEFAULT_ROLE empty, every right on every model), a portal contact (contact C, its
token), and the admin. staff reads, edits and deletes owned records; reader reads
everything and changes nothing; blocked has access to no model; full has every right on
`*`. Every record below is assigned to alice unless said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from amity.core.actor import Actor
from amity.core.services import Services
from tests.conftest import User

ACTORS = ("owner", "mate", "other", "reader", "blocked", "portal", "admin")
STAFF = {"*": {"access": True, "read": "owned", "edit": "owned", "delete": "owned"}}
READER = {"*": {"access": True, "read": "all", "edit": "none", "delete": "none"}}
BLOCKED = {"*": {"access": False}}
FULL = {"*": {"access": True, "read": "all", "edit": "all", "delete": "all"}}


@dataclass
class World:
    services: Services
    admin: Actor
    tokens: dict[str, str]  # actor -> bearer token
    users: dict[str, str]  # user name -> id
    ids: dict[str, str] = field(default_factory=dict)  # record key -> id
    alice_ids: set[str] = field(default_factory=set)  # everything assigned to alice
    portal_ids: set[str] = field(default_factory=set)  # what the portal contact may see

    def create(
        self, model: str, data: dict[str, Any], *, key: str | None = None, portal: bool = False
    ) -> str:
        """A record assigned to alice (unless data says otherwise)."""
        values = {"assigned_user_id": self.users["alice"], **data}
        record_id = self.services.records.create(self.admin, model, values)
        if values["assigned_user_id"] == self.users["alice"]:
            self.alice_ids.add(record_id)
        if portal:
            self.portal_ids.add(record_id)
        if key:
            self.ids[key] = record_id
        return record_id

    def link(self, model: str, record_id: str, link: str, target_id: str) -> None:
        self.services.relations.add_related(self.admin, model, record_id, link, [target_id], None)

    def portal_token(self, contact_id: str | None = None) -> str:
        issued = self.services.auth.portal.issue(self.admin, contact_id or self.ids["contact"])
        return str(issued["access_token"])


def build_world(services: Services, admin: User) -> World:
    acl, auth = services.acl, services.auth
    actor = admin.actor
    users = {"admin": admin.id}
    tokens = {"admin": admin.token}
    for name, who in (
        ("alice", "owner"),
        ("bob", "mate"),
        ("carol", "other"),
        ("dave", "reader"),
        ("erin", "blocked"),
        ("fred", "full"),
        ("nora", "norole"),
        ("zed", None),
    ):
        users[name] = auth.add_user(actor, name, None, last_name=name.title())
        if who:
            tokens[who] = auth.create_token(name, "acl")[1]
    acl.add_role(actor, "staff", rights=STAFF)
    acl.add_role(actor, "reader", rights=READER)
    acl.add_role(actor, "blocked", rights=BLOCKED)
    acl.add_role(actor, "full", rights=FULL)
    acl.assign_role(actor, "staff", ["alice", "bob", "carol"])
    acl.assign_role(actor, "reader", ["dave"])
    acl.assign_role(actor, "blocked", ["erin"])
    acl.assign_role(actor, "full", ["fred"])
    acl.add_team(actor, "east", members=["alice", "bob"])
    acl.add_team(actor, "west", members=["carol"])
    world = World(services, actor, tokens, users)
    account = world.create("Account", {"name": "Acme"}, key="account")
    contact = world.create(
        "Contact",
        {"first_name": "Cora", "last_name": "Portal", "email1": "cora@example.com"},
        key="contact",
        portal=True,
    )
    world.create("Contact", {"last_name": "Other"}, key="contact2")
    world.create(
        "aCase",
        {"name": "Broken", "cust_contact_id": contact, "account_id": account},
        key="case",
        portal=True,
    )
    world.create(
        "aCase",
        {"name": "Internal", "cust_contact_id": contact, "portal_flag": False},
        key="hidden_case",
    )
    world.create("Document", {"name": "Manual", "portal_flag": True}, key="document", portal=True)
    world.create("Document", {"name": "Draft"}, key="draft")  # portal_flag defaults to false
    world.create(
        "Opportunity",
        {"name": "Deal", "date_closed": "2030-01-01", "account_id": account},
        key="opportunity",
    )
    world.link("Contact", contact, "documents", world.ids["document"])
    world.link("Contact", contact, "documents", world.ids["draft"])
    world.link("Contact", contact, "accounts", account)
    world.link("Contact", contact, "opportunities", world.ids["opportunity"])
    world.create(
        "Contact", {"last_name": "Carols", "assigned_user_id": users["carol"]}, key="carols"
    )
    world.create(
        "Account", {"name": "Carols Co", "assigned_user_id": users["carol"]}, key="carols_account"
    )
    services.models.create(
        actor,
        {  # a custom model obeys the same rules as built-in ones
            "name": "Subscription",
            "fields": [{"name": "seats", "type": "Number"}],
            "links": [
                {"name": "account", "kind": "many_to_one", "target": "Account"},
                {"name": "contacts", "kind": "many_to_many", "target": "Contact"},
            ],
        },
    )
    world.create(
        "Subscription", {"name": "Gold plan", "seats": 5, "account_id": account}, key="subscription"
    )
    world.create(
        "Subscription",
        {"name": "Carols plan", "account_id": account, "assigned_user_id": users["carol"]},
        key="carols_sub",
    )
    world.link("Subscription", world.ids["subscription"], "contacts", contact)
    tokens["portal"] = world.portal_token()
    return world
