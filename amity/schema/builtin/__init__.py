"""The models Amity ships with."""

from __future__ import annotations

from amity.schema.builder import with_links
from amity.schema.builtin import activities, catalog, contracts, people, sales, service, tally
from amity.schema.builtin.links import builtin_links
from amity.schema.model import Model


def builtin_models() -> list[Model]:
    """Every built-in model, with its links attached."""
    models = [
        people.user_model(),
        people.contact_model(),
        people.lead_model(),
        sales.account_model(),
        sales.opportunity_model(),
        sales.product_model(),
        sales.assembly_model(),
        service.case_model(),
        service.document_model(),
        service.document_revision_model(),
        service.project_model(),
        service.project_task_model(),
        contracts.contract_model(),
        contracts.asset_model(),
        activities.task_model(),
        activities.call_model(),
        activities.meeting_model(),
        activities.note_model(),
        *catalog.catalog_models(),
        *tally.tally_models(),
    ]
    links = builtin_links()
    return [with_links(m, [lk for owner, lk in links if owner == m.name]) for m in models]
