"""Which models the dashboard shows a user, and the model of a page's URL."""

from __future__ import annotations

from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import AmityError, NotFound
from amity.schema.model import Model

PARTS = ("Line", "LineGroup", "Adjustment", "Comment")  # pieces of a sales document
HIDDEN = frozenset({"User", "bills_payments", "invoices_payments", "DocumentRevision"})


def in_menu(model: Model) -> bool:
    """Whether a model has a place in the menu: the CRM's record types, not the parts of
    sales documents or join records (those are reached from their parents)."""
    if model.name in HIDDEN:
        return False
    return model.custom or not model.name.endswith(PARTS)


def menu_models(services: Services, actor: Actor) -> list[Model]:
    """The models the actor may list, for the menu, by label."""
    out = []
    for model in services.records.registry.models.values():
        if not in_menu(model):
            continue
        try:
            services.records.policy.check(actor, model, "list")
        except AmityError:
            continue
        out.append(model)
    return sorted(out, key=lambda m: (m.label or m.name).lower())


def page_model(services: Services, actor: Actor, name: str) -> Model:
    """The model of /app/{model}; 404 (never 403) when unknown or not the actor's to list."""
    model = services.records.registry.models.get(name)
    if model is None:
        raise NotFound("No model {model}", "pick one from the menu", model=name)
    services.records.policy.check(actor, model, "list")
    return model
