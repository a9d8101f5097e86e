"""Custom models as data: their definitions, naming rules, links, and how they join the
registry.

A custom model is a row of the custom_models table (amity/store/metadata.py). It has the
fields every model has (id, dates, owners, `name`), the typed fields an admin gives it
(custom field rows naming the model, amity/schema/custom.py) and links to other models:

- many_to_one: the new model gets a ref field (`account` shown by name, `account_id`
  holding the id) and the target model a has_many link back (`Account.subscriptions`);
- many_to_many: a join table, with a link on both sides.

With `activities`, tasks, calls, meetings and notes may have its records as their parent
(`parent_type` offers the model) and the model gets the tasks/calls/meetings/notes links,
as Account or Contact have.

With `portal`, portal contacts read the records that one of its links to Contact joins to
them (and, through a many_to_one link, may create records that are linked to them).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from amity.errors import BadRequest
from amity.schema.builder import build_model, f, ref, with_links
from amity.schema.builtin.links import activities, has_many, many_to_many
from amity.schema.model import Link, Model, Portal

LinkKind = Literal["many_to_one", "many_to_many"]
LINK_KINDS: tuple[LinkKind, ...] = ("many_to_one", "many_to_many")
MODEL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{1,29}$")
LINK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACTIVITY_LINKS = frozenset({"tasks", "calls", "meetings", "notes"})
TABLE_PREFIX = "custom_"
MAX_IDENTIFIER = 63  # PostgreSQL's limit on table, index and constraint names
# names Amity itself uses for the events of metadata changes (amity/core/schema_io.py)
RESERVED_NAMES = frozenset(
    {"CustomField", "CustomModel", "PicklistDependency", "Layout", "Users", "Contacts"}
)


@dataclass(frozen=True)
class CustomLink:
    """One link of a custom model to a model (built-in or custom)."""

    name: str  # the link (many_to_many) or the ref field (many_to_one) on the custom model
    kind: LinkKind
    target: str
    reverse: str  # the link on the target model that leads back
    label: str = ""
    reverse_label: str = ""
    removed: bool = False  # hidden; its column or join table keeps the values

    @property
    def own_names(self) -> set[str]:
        """The names the link takes on its model: the link, and the id field of a ref."""
        return {self.name, f"{self.name}_id"} if self.kind == "many_to_one" else {self.name}

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "target": self.target,
            "reverse": self.reverse,
            "label": self.label,
            "reverse_label": self.reverse_label,
        }
        if self.removed:
            out["removed"] = True
        return out


@dataclass(frozen=True)
class CustomPortal:
    """Portal contacts reach a custom model's records through its link `link` to Contact."""

    link: str
    create: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"link": self.link, "create": self.create}


@dataclass(frozen=True)
class CustomModelDef:
    """One custom model as stored; `removed` models are hidden (their table stays)."""

    id: str
    name: str
    table: str
    label: str
    module: str
    links: tuple[CustomLink, ...] = ()
    activities: bool = False  # tasks, calls, meetings and notes may belong to its records
    portal: CustomPortal | None = None  # None: portal contacts never reach its records
    removed: bool = False
    created_by: str | None = None
    date_created: datetime | None = None
    modified_by: str | None = None
    date_modified: datetime | None = None

    @property
    def live_links(self) -> tuple[CustomLink, ...]:
        return tuple(lk for lk in self.links if not lk.removed)

    @property
    def removed_link_names(self) -> set[str]:
        """Names that removed links keep: their columns and join tables stay."""
        return {n for lk in self.links if lk.removed for n in lk.own_names}

    @property
    def column(self) -> str:
        """The column that holds this model's record ids in join tables."""
        return f"{snake(self.name)}_id"

    def model(self) -> Model:
        """The Model without custom fields and without the links other models add."""
        declared: list[Any] = [f("name", "name", "Name", len=255, required=True, indexed=True)]
        for lk in self.live_links:
            if lk.kind == "many_to_one":
                declared.append(ref(lk.name, lk.target, lk.label or title(lk.name)))
        model = build_model(self.name, self.table, self.label, declared, module=self.module)
        return replace(model, custom=True, portal=self._model_portal())

    def _model_portal(self) -> Portal | None:
        """The Portal of the model: the way back of its portal link is Contact's link."""
        link = next(
            (
                lk
                for lk in self.live_links
                if self.portal is not None and lk.name == self.portal.link
            ),
            None,
        )
        if self.portal is None or link is None:
            return None
        return Portal(link=link.reverse, create=self.portal.create)

    def as_json(self) -> dict[str, Any]:
        """The definition as the admin API shows it (fields are added by the caller)."""
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "module": self.module,
            "table": self.table,
            "links": [lk.as_json() for lk in self.live_links],
            "activities": self.activities,
            "portal": self.portal.as_json() if self.portal is not None else None,
            "created_by": self.created_by,
            "date_created": _stamp(self.date_created),
            "modified_by": self.modified_by,
            "date_modified": _stamp(self.date_modified),
        }
        removed_links = sorted(lk.name for lk in self.links if lk.removed)
        if removed_links:
            out["removed_links"] = removed_links
        if self.removed:
            out["removed"] = True
        return out


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def snake(name: str) -> str:
    """SubscriptionPlan -> subscription_plan."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def title(name: str) -> str:
    """contract_tier -> Contract tier."""
    return name.replace("_", " ").capitalize()


def short_identifier(name: str) -> str:
    """`name` if PostgreSQL can hold it, else cut with a hash of the whole, so that long
    custom names still give distinct tables, indexes and constraints."""
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


def check_model_name(name: Any, taken: Iterable[str]) -> str:
    """A valid, unused model name (400 saying the rule otherwise)."""
    if not isinstance(name, str) or not MODEL_NAME.match(name):
        raise BadRequest(
            "Invalid model name {name!r}",
            "model names are 2-30 letters or digits starting with a capital letter, "
            "e.g. Subscription",
            name=name,
        )
    lowered = {t.lower() for t in taken} | {r.lower() for r in RESERVED_NAMES}
    if name.lower() in lowered:
        raise BadRequest(
            "The model name {name} is taken",
            "names of models (removed custom ones too) cannot be reused",
            name=name,
        )
    return name


def check_text(body: Mapping[str, Any], key: str, default: str, limit: int = 100) -> str:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= limit or "\x00" in value:
        raise BadRequest("{key} must be a string of 1 to {limit} characters", key=key, limit=limit)
    return value.strip()


def check_link(raw: Any, owner: str, models: Mapping[str, Model], taken: set[str]) -> CustomLink:
    """A link spec {"name", "kind", "target", "reverse"?, "label"?, "reverse_label"?} of
    the custom model `owner`, checked against the models it would join; `taken` holds the
    field and link names the owner already uses (the new one is added)."""
    if not isinstance(raw, Mapping):
        raise BadRequest(
            "Each link is an object",
            'e.g. {"name": "account", "kind": "many_to_one", "target": "Account"}',
        )
    unknown = sorted(set(raw) - {"name", "kind", "target", "reverse", "label", "reverse_label"})
    if unknown:
        raise BadRequest(
            "Unknown link key {value!r}",
            "known: name, kind, target, reverse, label, reverse_label",
            value=unknown[0],
        )
    kind = raw.get("kind")
    if kind not in LINK_KINDS:
        raise BadRequest(
            "Unknown link kind {kind!r}",
            "kinds: {link_kinds}",
            kind=kind,
            link_kinds=", ".join(LINK_KINDS),
        )
    target_name = raw.get("target")
    if not isinstance(target_name, str) or target_name not in models:
        raise BadRequest(
            "Unknown link target {target_name!r}",
            "list the models to see the ones this server knows",
            target_name=target_name,
        )
    name = raw.get("name")
    if not isinstance(name, str) or not LINK_NAME.match(name):
        raise BadRequest(
            "Invalid link name {name!r}",
            "link names are 1-40 lower-case letters, digits or _ and start with a "
            "letter, e.g. account",
            name=name,
        )
    own_names = CustomLink(name, kind, target_name, "").own_names
    clash = sorted(own_names & taken)
    if clash:
        raise BadRequest(
            "Model {owner} already has a field or link {value}", owner=owner, value=clash[0]
        )
    if kind == "many_to_many" and target_name == owner:
        raise BadRequest(
            "A many_to_many link needs another model",
            "link a model to itself with many_to_one (e.g. parent)",
        )
    target = models[target_name]
    reverse = raw.get("reverse", f"{snake(owner)}s")
    if not isinstance(reverse, str) or not LINK_NAME.match(reverse):
        raise BadRequest(
            "Invalid reverse link name {reverse!r}",
            "the same rule as link names, e.g. subscriptions",
            reverse=reverse,
        )
    target_names = set(target.fields) | set(target.links)
    if target_name == owner:
        target_names |= taken | own_names
    if reverse in target_names:
        raise BadRequest(
            "Model {target_name} already has a field or link {reverse}",
            'name the way back with "reverse"',
            target_name=target_name,
            reverse=reverse,
        )
    label = check_text(raw, "label", title(name))
    reverse_label = check_text(raw, "reverse_label", title(reverse))
    taken |= own_names
    return CustomLink(name, kind, target_name, reverse, label, reverse_label)


def check_portal(raw: Any, d: CustomModelDef) -> CustomPortal | None:
    """`portal` of a definition: null, or {"link": a live link of `d` to Contact,
    "create": whether portal contacts may create records (a many_to_one link only)}."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - {"link", "create"}:
        raise BadRequest(
            "portal is null or an object with link and create",
            'e.g. {"link": "contact", "create": true}, with a link named contact to Contact',
        )
    link = next((lk for lk in d.live_links if lk.name == raw.get("link")), None)
    if link is None or link.target != "Contact":
        raise BadRequest(
            "portal.link must name a link of {model} to Contact",
            'e.g. {{"link": "contact", "create": true}}, with a link named contact to Contact',
            model=d.name,
        )
    create = raw.get("create", False)
    if not isinstance(create, bool):
        raise BadRequest("portal.create must be true or false")
    if create and link.kind != "many_to_one":
        raise BadRequest(
            "Portal contacts can create records only through a many_to_one link",
            "the link {link} is {kind}",
            link=link.name,
            kind=link.kind,
        )
    return CustomPortal(link.name, create)


def join_table_name(d: CustomModelDef, lk: CustomLink) -> str:
    return short_identifier(f"{d.table}_{lk.name}")


def link_pairs(d: CustomModelDef) -> list[tuple[str, Link]]:
    """(model name, link) for every link the custom model brings, on both sides."""
    out: list[tuple[str, Link]] = activities(d.name) if d.activities else []
    for lk in d.live_links:
        if lk.kind == "many_to_one":
            out += [
                (owner, replace(link, label=lk.reverse_label))
                for owner, link in has_many(lk.target, lk.reverse, d.name, f"{lk.name}_id")
            ]
            continue
        target_column = f"{snake(lk.target)}_id"
        pairs = many_to_many(
            join_table_name(d, lk),
            (d.name, lk.name, d.column),
            (lk.target, lk.reverse, target_column),
        )
        labels = {d.name: lk.label, lk.target: lk.reverse_label}
        out += [(owner, replace(link, label=labels[owner])) for owner, link in pairs]
    return out


def with_custom_models(models: Iterable[Model], defs: Iterable[CustomModelDef]) -> list[Model]:
    """The models plus the live custom models, with the links they bring on both sides."""
    live = [d for d in defs if not d.removed]
    by_name = {m.name: m for m in models}
    for d in live:
        by_name.setdefault(d.name, d.model())
    links: dict[str, list[Link]] = {}
    for d in live:
        for owner, link in link_pairs(d):
            links.setdefault(owner, []).append(link)
    parents = tuple(d.name for d in live if d.activities)
    return [
        with_parent_types(with_links(m, links[m.name]) if m.name in links else m, parents)
        for m in by_name.values()
    ]


def with_parent_types(model: Model, extra: tuple[str, ...]) -> Model:
    """An activity model whose parent_type also offers the custom models in `extra`."""
    parent_type = model.fields.get("parent_type")
    if not extra or parent_type is None or parent_type.type != "enum":
        return model
    options = parent_type.options + extra
    return replace(
        model,
        fields={**model.fields, "parent_type": replace(parent_type, options=options)},
        filters={
            **model.filters,
            "parent_type": replace(model.filters["parent_type"], options=options),
        },
    )
