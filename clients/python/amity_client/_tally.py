"""/tally and /printer/pdf: tally objects (quotes, orders, invoices, bills, ...) read and
written whole, converted into the next kind, and printed.

A tally object is its record and its line groups, each group holding its lines, comments
and adjustments (taxes, discounts, shipping; a line may carry adjustments of its own).
Saving sends the whole object and the server computes every amount: parts with an `id`
are kept (and updated), parts without one are created, parts left out are deleted.

The call builders are IO-free; `Tally` runs them on a Client (`client.tally`), `AsyncTally`
on an AsyncClient, with the same method names and arguments. A PDF streams into `to=`
(the printing itself is _printer's, which `client.printer` also offers).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple, TypedDict, overload

from amity_client._core import Call, as_dict, key, path
from amity_client._data import Fields, _fields_param
from amity_client._downloads import DownloadedFile, Target
from amity_client._errors import Error
from amity_client._files import AsyncFileRunner, SyncFileRunner
from amity_client._printer import AsyncPrinter, Printer

__all__ = ["AsyncTally", "ConvertedTally", "SavedTally", "Tally", "TallyObject"]


class TallyObject(TypedDict):
    """A whole tally object as the server reads it: `record` (as /data/{model}/{id} reads
    it) and `groups`, each a dict with `lines`, `comments` and `adjustments` lists, in
    position order. Amounts, quantities and rates are Decimal."""

    record: dict[str, Any]
    groups: list[dict[str, Any]]


class SavedTally(TallyObject):
    """What save() answers: the object's `id` and the object as now stored, with the
    amounts the server computed and the ids of the parts it created."""

    id: str


class ConvertedTally(NamedTuple):
    """The document convert() made: its model (e.g. "Invoice") and id."""

    model: str
    id: str


# -- answers ---------------------------------------------------------------------------------
def _invalid(what: str) -> Error:
    return Error(f"Unexpected reply from server: {what}", status=200, type="invalid_response")


# the tally fields that hold amounts, quantities and rates (decimal strings on the wire)
DECIMAL_FIELDS = frozenset(
    {
        "amount",
        "amount_due",
        "cost",
        "cost_price",
        "discount",
        "exchange_rate",
        "ext_price",
        "list_price",
        "net_price",
        "pretax",
        "quantity",
        "rate",
        "shipping",
        "subtotal",
        "tax",
        "total",
        "unit_price",
    }
)


def exact(value: Any, name: str = "") -> Any:
    """The answer with its amounts, quantities and rates as Decimal: the server writes
    them as decimal strings ("224.55"); a JSON number with a fraction (a custom Numeric
    field) has at most 15 significant digits, which Decimal(repr()) gives back exactly."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and name in DECIMAL_FIELDS and value:
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, dict):
        return {key: exact(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [exact(item) for item in value]
    return value


def parse_object(body: Any) -> TallyObject:
    """The answer of GET /tally: {"record": {...}, "groups": [...]}, amounts as Decimal."""
    answer = exact(as_dict(body))
    record, groups = key("record")(answer), key("groups")(answer)
    if not isinstance(record, dict) or not isinstance(groups, list):
        raise _invalid("record must be an object and groups a list")
    return TallyObject(record=record, groups=groups)


def parse_saved(body: Any) -> SavedTally:
    """The answer of POST/PUT /tally: the object with its id."""
    whole = parse_object(body)
    return SavedTally(id=str(key("id")(body)), record=whole["record"], groups=whole["groups"])


def parse_converted(body: Any) -> ConvertedTally:
    return ConvertedTally(str(key("model")(body)), str(key("id")(body)))


# -- call builders (IO-free) -----------------------------------------------------------------
def _body(data: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a write: {"record", "groups"} as given, without the `id` a SavedTally
    carries (the id goes in the path), so what get() or save() answered can be sent back."""
    return {name: value for name, value in data.items() if name != "id"}


def get_call(model: str, record_id: str, fields: Fields = None) -> Call[TallyObject]:
    """GET /tally/{model}/{id}[?fields[]=]: the whole object (`fields` limits the record's)."""
    return Call("GET", path("tally", model, record_id), parse_object, _fields_param(fields))


def save_call(model: str, record_id: str | None, data: Mapping[str, Any]) -> Call[SavedTally]:
    """POST /tally/{model} (create) or PUT /tally/{model}/{id} (replace) with the whole
    object; answers it as stored."""
    if record_id is None:
        return Call("POST", path("tally", model), parse_saved, json=_body(data))
    return Call("PUT", path("tally", model, record_id), parse_saved, json=_body(data))


def convert_call(model: str, record_id: str, to: str | None = None) -> Call[ConvertedTally]:
    """POST /tally/{model}/{id}/convert {"to"}: the new document (to=None: the server's
    default next kind, a Quote's SalesOrder, a SalesOrder's Invoice, ...)."""
    body = {} if to is None else {"to": to}
    return Call("POST", path("tally", model, record_id, "convert"), parse_converted, json=body)


def _split(
    id_or_data: str | Mapping[str, Any], data: Mapping[str, Any] | None
) -> tuple[str | None, Mapping[str, Any]]:
    """save()'s two forms: (model, data) creates, (model, id, data) replaces."""
    if isinstance(id_or_data, str):
        if data is None:
            raise TypeError("save(model, id, data) needs the data to replace the object with")
        return id_or_data, data
    if data is not None:
        raise TypeError("pass save(model, data) to create or save(model, id, data) to replace")
    return None, id_or_data


# -- runners ---------------------------------------------------------------------------------
class Tally:
    """Tally objects of the server (`client.tally`): get, save, convert, pdf."""

    def __init__(self, client: SyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Tally()"

    def get(self, model: str, record_id: str, fields: Fields = None) -> TallyObject:
        """The whole object: {"record": {...}, "groups": [{..., "lines", "comments",
        "adjustments"}]}; `fields` limits the record's fields."""
        return self._client._run(get_call(model, record_id, fields))

    @overload
    def save(self, model: str, id_or_data: Mapping[str, Any], data: None = None) -> SavedTally: ...

    @overload
    def save(self, model: str, id_or_data: str, data: Mapping[str, Any]) -> SavedTally: ...

    def save(
        self,
        model: str,
        id_or_data: str | Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> SavedTally:
        """save(model, data) creates an object, save(model, id, data) replaces one; `data`
        is {"record": {...}, "groups": [...]} (what get() returned, edited, will do). The
        server computes the amounts; the answer is the object as stored, with its `id`."""
        record_id, body = _split(id_or_data, data)
        return self._client._run(save_call(model, record_id, body))

    def convert(self, model: str, record_id: str, to: str | None = None) -> ConvertedTally:
        """A new document of the next kind made from this one, lines and all: its (model,
        id). Quote -> SalesOrder (default) or Invoice; SalesOrder -> Invoice (default) or
        Shipping; PurchaseOrder -> Bill (default) or Receiving."""
        return self._client._run(convert_call(model, record_id, to))

    @overload
    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        """The record printed as a PDF (a tally object as its document, any other record
        as a sheet of its fields), in `language` (e.g. "de-DE"; the server's default,
        English, without). Its bytes, or with `to` (a path or a writable binary stream)
        streamed there, returning its file name (e.g. Invoice-INV-42.pdf), type, size and
        SHA-256. A path is removed again when the download fails."""
        return Printer(self._client).pdf(model, record_id, language=language, to=to)


class AsyncTally:
    """Tally for AsyncClient: the same methods, awaited; a PDF is written to a path in a
    worker thread."""

    def __init__(self, client: AsyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncTally()"

    async def get(self, model: str, record_id: str, fields: Fields = None) -> TallyObject:
        return await self._client._run(get_call(model, record_id, fields))

    @overload
    async def save(
        self, model: str, id_or_data: Mapping[str, Any], data: None = None
    ) -> SavedTally: ...

    @overload
    async def save(self, model: str, id_or_data: str, data: Mapping[str, Any]) -> SavedTally: ...

    async def save(
        self,
        model: str,
        id_or_data: str | Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> SavedTally:
        record_id, body = _split(id_or_data, data)
        return await self._client._run(save_call(model, record_id, body))

    async def convert(self, model: str, record_id: str, to: str | None = None) -> ConvertedTally:
        return await self._client._run(convert_call(model, record_id, to))

    @overload
    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        return await AsyncPrinter(self._client).pdf(model, record_id, language=language, to=to)
