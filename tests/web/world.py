"""The company the dashboard tests use: the access-control world (tests/api/acl_world.py)
with a password for every user, and enough contacts to page through."""

from __future__ import annotations

from dataclasses import dataclass

from amity.core.services import Services
from tests.api.acl_world import World, build_world
from tests.conftest import make_admin

PASSWORD = "web-secret-pw-1"
PAGED = 45  # contacts named "Pager NN": three pages of twenty


@dataclass
class WebWorld:
    world: World
    passwords: dict[str, str]  # user name -> password

    @property
    def ids(self) -> dict[str, str]:
        return self.world.ids


def build_web_world(services: Services) -> WebWorld:
    admin = make_admin(services)
    world = build_world(services, admin)
    passwords = {"admin": admin.password}
    for name, user_id in world.users.items():
        if name != "admin":
            services.auth.set_password(user_id, PASSWORD)
            passwords[name] = PASSWORD
    for n in range(PAGED):
        world.create("Contact", {"first_name": "Page", "last_name": f"Pager {n:02d}"})
    return WebWorld(world, passwords)
