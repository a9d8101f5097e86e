"""All services of one Amity instance, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from amity.config import Settings
from amity.core.access import AccessPolicy, AllowAll
from amity.core.apilog import ApiLog
from amity.core.auth.clients import ClientRegistry
from amity.core.auth.oauth import OAuthService
from amity.core.auth.service import AuthService
from amity.core.records import Records
from amity.core.relations import Relations
from amity.schema.registry import Registry, default_registry
from amity.store.batch import GroupCommitter
from amity.store.engine import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    records: Records
    relations: Relations
    auth: AuthService
    writes: GroupCommitter
    api_log: ApiLog
    clients: ClientRegistry
    oauth: OAuthService

    def close(self) -> None:
        self.writes.close()
        self.api_log.close()
        self.db.dispose()


def build_services(settings: Settings, registry: Registry | None = None,
                   policy: AccessPolicy | None = None) -> Services:
    db = Database(settings, registry or default_registry())
    records = Records(db, settings, policy or AllowAll())
    auth = AuthService(records)
    auth.oauth = OAuthService(db, settings)
    return Services(settings=settings, db=db, records=records, relations=Relations(records),
                    auth=auth, writes=GroupCommitter(db),
                    api_log=ApiLog(db, settings), clients=ClientRegistry(db),
                    oauth=auth.oauth)
