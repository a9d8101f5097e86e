"""The personal-data PDF (GDPR access): every personal field of a person's record, then each
record that holds their data (their cases, calls, meetings, notes, documents, invoices:
the links of the person's model), with its dates and its own personal fields.

Everything is read as the acting user: the person through the records service (404 when
hidden), related records through the same lists as /data/{model}/{id}/{link}, so only
what the actor may read is printed; a model the actor may not list is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from amity.core.actor import Actor
from amity.core.i18n import Languages
from amity.core.pdf import Panel, Party, RecordSheet
from amity.core.preferences import PersonFormat
from amity.core.records import MAX_LIMIT, ListQuery, Records
from amity.core.tally.printing import shown_value
from amity.errors import BadRequest, Forbidden
from amity.schema.model import Field, Link, Model
from amity.store.query import Scope

TITLE = "Personal data"
DATES = ("date_entered", "date_modified")


def personal_fields(model: Model) -> list[Field]:
    """The stored fields of `model` that hold a person's data, in declaration order."""
    return [fd for fd in model.fields.values() if fd.personal and fd.stored]


class PersonalSheet:
    """Builds the RecordSheet of a person's data (rendered by core/pdf)."""

    def __init__(self, records: Records, languages: Languages) -> None:
        self.records = records
        self.languages = languages

    def sheet(
        self,
        actor: Actor,
        model_name: str,
        record_id: str,
        company: Party,
        locale: str,
        person: PersonFormat,
    ) -> RecordSheet:
        """The sheet of the person's data in `locale`'s language (model names translated
        here, field labels by the renderer), dates as `person` reads them."""
        language = self.languages.negotiate(locale.replace("_", "-"))
        model = self.records.model(model_name)
        own = personal_fields(model)
        if not own:
            raise BadRequest(
                "{model} records hold no personal data",
                "the fields of {model} mark personal fields as personal",
                model=model.name,
            )
        names = [fd.name for fd in own]
        record = self.records.get(actor, model.name, record_id, ["id", *names, *DATES])
        panels = [
            Panel(TITLE, shown(model, own, record, person)),
            Panel("", shown(model, [model.fields[d] for d in DATES], record, person)),
        ]
        for target, found in self.related(actor, model, record_id):
            for item in found:
                panels.append(
                    related_panel(self.model_label(language, target), target, item, person)
                )
        title = f"{self.model_label(language, model)}: {record_name(model, record)}"
        return RecordSheet(TITLE, title, tuple(panels), company)

    def model_label(self, language: str, model: Model) -> str:
        return self.languages.text(language, "models", model.label)

    def links(self, model: Model) -> list[Link]:
        """The links to records that hold the person's data: not to other people, nor to
        the parts of a document."""
        out = []
        for link in model.links.values():
            target = self.records.registry.models.get(link.target)
            if target is None or target.person:
                continue
            out.append(link)
        return out

    def related(
        self, actor: Actor, model: Model, record_id: str
    ) -> Iterator[tuple[Model, list[dict[str, Any]]]]:
        """Per target model (several links to one model merged), the readable records."""
        by_target: dict[str, dict[str, dict[str, Any]]] = {}
        for link in self.links(model):
            target = self.records.model(link.target)
            try:
                for item in self.pages(actor, model, link, target, record_id):
                    by_target.setdefault(target.name, {})[item["id"]] = item
            except Forbidden:  # the actor may not list this model
                continue
        for name, found in by_target.items():
            yield self.records.model(name), list(found.values())

    def pages(
        self, actor: Actor, model: Model, link: Link, target: Model, record_id: str
    ) -> Iterator[dict[str, Any]]:
        fields = [
            "id",
            *(target.name_sources()),
            *DATES,
            *(fd.name for fd in personal_fields(target)),
        ]
        offset = 0
        while True:
            q = ListQuery(fields=list(dict.fromkeys(fields)), offset=offset, limit=MAX_LIMIT)
            page = self.records.list_records(actor, target.name, q, Scope(model, link, record_id))
            yield from page.records
            offset += MAX_LIMIT
            if offset >= page.total_results:
                return


def shown(
    model: Model, fields: list[Field], record: dict[str, Any], person: PersonFormat
) -> tuple[tuple[str, str], ...]:
    """(label, value) of the fields that hold a value."""
    return tuple(
        (fd.vname, shown_value(fd, record.get(fd.name), person))
        for fd in fields
        if record.get(fd.name) not in (None, "")
    )


def record_name(model: Model, record: dict[str, Any]) -> str:
    return str(record.get("name") or record.get("_display") or record.get("id") or "")


def related_panel(label: str, target: Model, item: dict[str, Any], person: PersonFormat) -> Panel:
    """One related record: its model and name as the heading, its dates and personal
    fields as the rows."""
    rows = [
        ("Name", record_name(target, item)),
        *shown(target, [target.fields[d] for d in DATES], item, person),
        *shown(target, personal_fields(target), item, person),
    ]
    return Panel(label, tuple(rows))
