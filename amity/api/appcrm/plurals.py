"""The one place where a model's App CRM resource name (its plural) is derived."""

from __future__ import annotations

from amity.schema.model import Model
from amity.schema.registry import Registry

# names that the English rule below would get wrong, or that carry a prefix of their own
SPECIAL = {"aCase": "cases", "Person": "people"}


def plural(model: Model) -> str:
    """Contact → contacts, Opportunity → opportunities, aCase → cases; custom models too."""
    special = SPECIAL.get(model.name)
    if special is not None:
        return special
    word = model.name.lower()
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def model_of(registry: Registry, resource: str) -> Model | None:
    """The model a resource name stands for; None when no model has that plural."""
    for model in registry.models.values():
        if plural(model) == resource:
            return model
    return None
