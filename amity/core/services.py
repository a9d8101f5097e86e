"""All services of one Amity instance, built from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from amity.config import Settings
from amity.core.access import AccessPolicy
from amity.core.acl import RolePolicy
from amity.core.apilog import ApiLog
from amity.core.audit import AuditLog
from amity.core.auth.access_keys import AccessKeys
from amity.core.auth.api_keys import ApiKeys
from amity.core.auth.clients import ClientRegistry
from amity.core.auth.login_tokens import LoginTokens
from amity.core.auth.oauth import OAuthService
from amity.core.auth.service import AuthService
from amity.core.auth.sessions import SessionService
from amity.core.calendar.service import Calendar
from amity.core.changes import Changes
from amity.core.customfields import CustomFields
from amity.core.custommodels import CustomModels
from amity.core.erasure import PersonalData
from amity.core.files.revisions import DocumentRevisions
from amity.core.files.service import Files
from amity.core.i18n import Languages
from amity.core.idempotency import Idempotency
from amity.core.jobs import Jobs
from amity.core.layouts import Layouts
from amity.core.metadata import MetadataSync
from amity.core.picklists import PicklistDependencies
from amity.core.preferences import Preferences
from amity.core.ratelimits import RateLimitOverrides
from amity.core.record_numbers import RecordNumbers
from amity.core.records import Records
from amity.core.relations import Relations
from amity.core.reports import Reports
from amity.core.roles import AccessAdmin
from amity.core.schema_io import SchemaFiles
from amity.core.tally.hooks import TallyDocumentHook
from amity.core.tally.printing import Printer
from amity.core.tally.service import Tally
from amity.core.webhooks.service import Webhooks
from amity.schema.registry import Registry, default_registry
from amity.store.batch import GroupCommitter
from amity.store.bus import InvalidationBus
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
    sessions: SessionService
    rate_limits: RateLimitOverrides
    languages: Languages
    layouts: Layouts
    metadata: MetadataSync
    fields: CustomFields
    models: CustomModels
    acl: AccessAdmin
    oauth: OAuthService
    picklists: PicklistDependencies
    schema: SchemaFiles
    idempotency: Idempotency
    bus: InvalidationBus
    changes: Changes
    audit: AuditLog
    jobs: Jobs
    webhooks: Webhooks
    files: Files
    tally: Tally
    printer: Printer
    personal: PersonalData
    calendar: Calendar
    preferences: Preferences
    """How to format for each user (their language, date and time format, zone, currency)."""
    reports: Reports
    record_numbers: RecordNumbers
    vtiger_tokens: LoginTokens
    api_keys: ApiKeys  # OpenCRM's key pairs and access keys
    access_keys: AccessKeys
    sweeps: list[Callable[[datetime], int]] = field(default_factory=list)
    """Retention sweeps: each deletes what is older than its retention at the time it is
    given and returns how many rows; the periodic job amity.sweep calls them all."""

    def close(self) -> None:
        self.jobs.stop()
        self.webhooks.deliverer.close()
        self.writes.close()
        self.api_log.close()
        self.bus.close()
        self.db.dispose()


def build_services(
    settings: Settings, registry: Registry | None = None, policy: AccessPolicy | None = None
) -> Services:
    db = Database(settings, registry or default_registry())
    roles = RolePolicy(db, settings)
    records = Records(db, settings, policy or roles)
    auth = AuthService(records)
    auth.oauth = OAuthService(db, settings, records.writer)
    sync = MetadataSync(db, settings)
    fields = CustomFields(records, sync)
    models = CustomModels(fields)
    picklists = PicklistDependencies(records, settings.metadata_check_seconds)
    layouts = Layouts(records)
    audit = AuditLog(records, settings)
    languages = Languages(settings.language, settings.locale_dir)
    preferences = Preferences(records, settings)
    tally = Tally(records)
    records.writer.sinks.append(audit.sink)
    jobs = Jobs(db, settings)
    webhooks = Webhooks(records, jobs, settings)
    files = Files(records, settings)
    services = Services(
        settings=settings,
        db=db,
        records=records,
        relations=Relations(records),
        auth=auth,
        writes=GroupCommitter(db),
        api_log=ApiLog(db, settings),
        clients=ClientRegistry(db, records.writer),
        sessions=SessionService(auth),
        rate_limits=RateLimitOverrides(db, records.writer, settings.auth_cache_seconds),
        record_numbers=RecordNumbers(db),
        vtiger_tokens=LoginTokens(
            db, "vtiger", settings.vtiger_token_seconds, cache_seconds=settings.auth_cache_seconds
        ),
        api_keys=ApiKeys(
            db,
            LoginTokens(
                db,
                "opencrm",
                settings.opencrm_accesskey_idle_seconds,
                sliding=True,
                cache_seconds=settings.auth_cache_seconds,
            ),
            auth.active_user,
            settings.auth_cache_seconds,
        ),
        access_keys=AccessKeys(db),
        languages=languages,
        layouts=layouts,
        metadata=sync,
        fields=fields,
        models=models,
        acl=AccessAdmin(db, records.writer),
        oauth=auth.oauth,
        picklists=picklists,
        schema=SchemaFiles(db, models, picklists, layouts),
        idempotency=Idempotency(db),
        bus=InvalidationBus(db, settings),
        changes=Changes(records, settings),
        audit=audit,
        jobs=jobs,
        webhooks=webhooks,
        files=files,
        tally=tally,
        printer=Printer(records, tally, layouts, settings, languages),
        personal=PersonalData(records, files),
        calendar=Calendar(records, preferences),
        preferences=preferences,
        reports=Reports(records, jobs),
    )
    # the retention sweeps the periodic job amity.sweep runs
    services.sweeps.extend(
        [
            jobs.purge,
            services.audit.purge,
            services.changes.purge,
            services.idempotency.purge,
            services.webhooks.purge,
            services.files.purge,
        ]
    )
    services.personal.participants.append(services.reports.clear_erased)  # archived runs
    DocumentRevisions(records, services.files)  # a document's files are its revisions
    TallyDocumentHook(records)  # full_number and the parts' assignment follow the document
    jobs.services = services
    return services
