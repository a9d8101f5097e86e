"""The registry: every model Amity knows, looked up by name."""

from __future__ import annotations

from collections.abc import Iterable

from amity.errors import NotFound, UnknownModel
from amity.schema.model import Link, Model


class Registry:
    """Models by name, and the links' join tables."""

    def __init__(self, models: Iterable[Model]) -> None:
        self.models: dict[str, Model] = {m.name: m for m in models}
        self._by_module: dict[str, Model] = {}
        self._modules_of: dict[str, Model] | None = None
        self._check()

    def replace_models(self, models: dict[str, Model]) -> None:
        """Swap in new metadata (custom fields changed); one reference assignment, so a
        request sees either the old models or the new ones."""
        Registry(models.values())  # checks the new models before they go live
        self.models = models

    def model(self, name: str) -> Model:
        """The model called `name`, or else the model of 1CRM module `name` (ProductCatalog
        is Product, TaxRates is TaxRate); NotFound in the 1CRM wording when there is none."""
        found = self.models.get(name) or self.by_module.get(name)
        if found is None:
            raise UnknownModel(
                "Model {name} not found",
                "list the models to see the ones this server knows",
                name=name,
            )
        return found

    @property
    def by_module(self) -> dict[str, Model]:
        """Models by their 1CRM module name, where that differs from the model name."""
        models = self.models
        if self._modules_of is not models:
            self._by_module = {m.module: m for m in models.values() if m.module != m.name}
            self._modules_of = models
        return self._by_module

    def link(self, model: Model, name: str) -> Link:
        """The link `name` of `model`; NotFound naming both when there is none."""
        try:
            return model.links[name]
        except KeyError:
            known = ", ".join(sorted(model.links)) or "none"
            raise NotFound(
                "Link {name} not found in model {model}",
                "Links of {model}: {known}",
                name=name,
                model=model.name,
                known=known,
            ) from None

    def join_links(self) -> dict[str, Link]:
        """One link per join table, for building the tables."""
        out: dict[str, Link] = {}
        for m in self.models.values():
            for lk in m.links.values():
                if lk.kind == "many_to_many" and lk.join_table and lk.join_table not in out:
                    out[lk.join_table] = lk
        return out

    def _check(self) -> None:
        for m in self.models.values():
            for fd in m.fields.values():
                if fd.type == "ref":
                    assert fd.id_name in m.fields, f"{m.name}.{fd.name}: no {fd.id_name}"
                    assert fd.ref_model is None or fd.ref_model in self.models, (
                        f"{m.name}.{fd.name}: unknown model {fd.ref_model}"
                    )
            if m.portal is not None and m.portal.link:
                via = self.models["Contact"].links.get(m.portal.link)
                assert via is not None and via.target == m.name, (
                    f"{m.name}: portal link Contact.{m.portal.link} does not reach it"
                )
                assert not m.portal.create or via.kind != "many_to_many", (
                    f"{m.name}: portal creation needs a has_many or parent link"
                )
            if m.portal is not None and m.portal.flag:
                assert m.fields[m.portal.flag].type == "bool", f"{m.name}: portal flag not bool"
            for lk in m.links.values():
                assert lk.target in self.models, f"{m.name}.{lk.name}: unknown {lk.target}"
                if lk.kind in ("has_many", "parent"):
                    target = self.models[lk.target]
                    assert lk.target_column in target.fields, (
                        f"{m.name}.{lk.name}: {lk.target}.{lk.target_column} missing"
                    )


def default_registry() -> Registry:
    """The registry of built-in models."""
    from amity.schema.builtin import builtin_models

    return Registry(builtin_models())
