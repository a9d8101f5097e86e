"""Labels of a request's language (Accept-Language), for the /meta layout answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from amity.api.context import services
from amity.api.language import language
from amity.schema.model import Model

NAME_FORMAT = "s f l"


class Labels:
    """Labels of one request's language."""

    def __init__(self, request: Request) -> None:
        self.languages = services(request).languages
        self.language = language(request)

    def label(self, english: str) -> str:
        return self.languages.text(self.language, "labels", english)

    def model(self, model: Model) -> str:
        return self.languages.text(self.language, "models", model.label or model.name)

    def module(self, module: str) -> str:
        return self.languages.text(self.language, "modules", module)

    def field(self, model: Model, name: str) -> dict[str, Any]:
        fd = model.fields[name]
        return {"field": name, "label": self.label(fd.vname), "type": fd.type}
