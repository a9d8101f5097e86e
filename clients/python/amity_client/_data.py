"""/data: records, related records, linked records and favorites of one model.

The call builders are IO-free; `Model` runs them on a Client, `AsyncModel` on an
AsyncClient, with the same method names and arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from amity_client import _meta
from amity_client._core import Call, FetchedRecord, key, path, with_etag
from amity_client._paging import Page, parse_page
from amity_client._results import AsyncListQuery, ListResult

T = TypeVar("T")
Fields = str | Sequence[str] | None
RelatedIds = str | Sequence[str] | Mapping[str, Mapping[str, Any] | None]


# -- call builders (IO-free) -----------------------------------------------------------------
def list_params(
    *,
    fields: Fields = None,
    filters: Mapping[str, Any] | None = None,
    order: str | None = None,
    filter_text: str | None = None,
    query_favorite: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> dict[str, Any]:
    """The query of a list call, as the 1CRM PHP client builds it."""
    params: dict[str, Any] = {}
    if fields:
        params["fields"] = list(fields) if not isinstance(fields, str) else fields
    if filters:
        params["filters"] = dict(filters)
    if order:
        params["order"] = order
    if query_favorite:
        params["query_favorite"] = 1
    if filter_text is not None:
        params["filter_text"] = filter_text
    params["offset"] = offset
    if limit is not None:
        params["limit"] = limit
    return params


def _fields_param(fields: Fields) -> dict[str, Any]:
    if not fields:
        return {}
    return {"fields": fields if isinstance(fields, str) else list(fields)}


def list_call(model: str, **query: Any) -> Call[Page]:
    return Call("GET", path("data", model), parse_page, list_params(**query))


def related_call(model: str, record_id: str, link: str, **query: Any) -> Call[Page]:
    return Call("GET", path("data", model, record_id, link), parse_page, list_params(**query))


def linked_call(model: str, link: str, **query: Any) -> Call[Page]:
    return Call(
        "GET", path("data", "link", model, "linked-records", link), parse_page, list_params(**query)
    )


def audit_call(
    model: str, record_id: str | None, offset: int = 0, limit: int | None = None
) -> Call[Page]:
    """/audit/{model} (every record's changes) or /audit/{model}/{id}: field-level rows."""
    endpoint = path("audit", model) if record_id is None else path("audit", model, record_id)
    params: dict[str, Any] = {"offset": offset}
    if limit is not None:
        params["limit"] = limit
    return Call("GET", endpoint, parse_page, params)


def get_call(model: str, record_id: str, fields: Fields = None) -> Call[FetchedRecord]:
    return Call(
        "GET",
        path("data", model, record_id),
        key("record"),  # a plain dict, which with_etag makes a FetchedRecord
        _fields_param(fields),
        annotate=with_etag,
    )


def _if_match(if_match: str | None) -> dict[str, str]:
    return {} if if_match is None else {"If-Match": if_match}


def create_call(model: str, data: Mapping[str, Any]) -> Call[str]:
    return Call("POST", path("data", model), lambda b: str(key("id")(b)), json={"data": dict(data)})


def update_call(
    model: str,
    record_id: str,
    data: Mapping[str, Any],
    create: bool = False,
    if_match: str | None = None,
) -> Call[bool]:
    return Call(
        "PATCH",
        path("data", model, record_id),
        _result,
        json={"data": dict(data), "create": create},
        headers=_if_match(if_match),
    )


def delete_call(model: str, record_id: str, if_match: str | None = None) -> Call[bool]:
    return Call("DELETE", path("data", model, record_id), _result, headers=_if_match(if_match))


def related_body(ids_or_mapping: RelatedIds) -> dict[str, Any]:
    """`records` and `records_with_data` from one id, a list of ids, or a mapping of
    id -> extra join data (None or {} for none), as the PHP client accepts them."""
    records: list[str] = []
    with_data: list[dict[str, Any]] = []
    if isinstance(ids_or_mapping, str):
        records.append(ids_or_mapping)
    elif isinstance(ids_or_mapping, Mapping):
        for rel_id, extra in ids_or_mapping.items():
            if extra:
                with_data.append({**extra, "id": str(rel_id)})
            else:
                records.append(str(rel_id))
    else:
        records.extend(str(i) for i in ids_or_mapping)
    body: dict[str, Any] = {}
    if records or not with_data:
        body["records"] = records
    if with_data:
        body["records_with_data"] = with_data
    return body


def add_related_call(
    model: str, record_id: str, link: str, ids_or_mapping: RelatedIds
) -> Call[bool]:
    return Call(
        "POST", path("data", model, record_id, link), _result, json=related_body(ids_or_mapping)
    )


def delete_related_call(model: str, record_id: str, link: str, rel_id: str) -> Call[bool]:
    return Call("DELETE", path("data", model, record_id, link, rel_id), _result)


def favorite_call(model: str, record_id: str) -> Call[bool]:
    """Toggle a favorite; the result is True when the record is now a favorite (the server
    answers status 0 for added, 1 for removed)."""
    return Call(
        "POST", path("data", "favorites", model, record_id), lambda b: key("status")(b) == 0
    )


def erase_personal_call(model: str, record_id: str, fields: str | Sequence[str]) -> Call[bool]:
    """GDPR erasure of the named fields ("email1,phone_work" or a list of names)."""
    names = fields if isinstance(fields, str) else ",".join(fields)
    return Call(
        "POST",
        path("data", "erase_personal", model, record_id),
        _result,
        json={"data": {"fields": names}},
    )


def _result(body: Any) -> bool:
    return bool(key("result")(body))


# -- runners ---------------------------------------------------------------------------------
class SyncRunner(Protocol):
    def _run(self, call: Call[T]) -> T: ...


class AsyncRunner(Protocol):
    async def _run(self, call: Call[T]) -> T: ...


class Model:
    """One model of the server (`client.model("Contact")`): list, read, write, relate."""

    def __init__(self, client: SyncRunner, name: str) -> None:
        self._client = client
        self.name = name

    def __repr__(self) -> str:
        return f"Model({self.name!r})"

    def _list(self, call: Call[Page]) -> ListResult:
        return ListResult(call, self._client._run(call), self._client._run)

    def list(
        self,
        *,
        fields: Fields = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        filter_text: str | None = None,
        query_favorite: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> ListResult:
        """Records matching filters: `records` holds the first page (at most `limit`, the
        server's default 20), iterating walks all of them page by page."""
        return self._list(
            list_call(
                self.name,
                fields=fields,
                filters=filters,
                order=order,
                filter_text=filter_text,
                query_favorite=query_favorite,
                offset=offset,
                limit=limit,
            )
        )

    def get(self, record_id: str, fields: Fields = None) -> FetchedRecord:
        """One record (all fields unless `fields` names some); its `.etag` is the ETag of
        the version read, for `if_match=`."""
        return self._client._run(get_call(self.name, record_id, fields))

    def create(self, data: Mapping[str, Any]) -> str:
        """Create a record; returns its id."""
        return self._client._run(create_call(self.name, data))

    def update(
        self,
        record_id: str,
        data: Mapping[str, Any],
        create: bool = False,
        if_match: str | None = None,
    ) -> bool:
        """Change the given fields; with create=True an unknown id creates the record.
        With `if_match` (an ETag, e.g. `get(...).etag`, or "*") only while the record is
        at that version: PreconditionFailed otherwise, and nothing changes."""
        return self._client._run(update_call(self.name, record_id, data, create, if_match))

    def delete(self, record_id: str, if_match: str | None = None) -> bool:
        """Delete the record; with `if_match`, only while it is at that version."""
        return self._client._run(delete_call(self.name, record_id, if_match))

    def related(
        self,
        record_id: str,
        link: str,
        *,
        fields: Fields = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        filter_text: str | None = None,
        query_favorite: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> ListResult:
        """Records linked to one record through `link` (join fields included)."""
        return self._list(
            related_call(
                self.name,
                record_id,
                link,
                fields=fields,
                filters=filters,
                order=order,
                filter_text=filter_text,
                query_favorite=query_favorite,
                offset=offset,
                limit=limit,
            )
        )

    def linked_records(
        self,
        link: str,
        *,
        fields: Fields = None,
        order: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> ListResult:
        """Every record linked through `link` to any record of this model."""
        return self._list(
            linked_call(self.name, link, fields=fields, order=order, offset=offset, limit=limit)
        )

    def add_related(self, record_id: str, link: str, ids_or_mapping: RelatedIds) -> bool:
        """Link records: an id, a list of ids, or a mapping id -> extra join data."""
        return self._client._run(add_related_call(self.name, record_id, link, ids_or_mapping))

    def delete_related(self, record_id: str, link: str, rel_id: str) -> bool:
        return self._client._run(delete_related_call(self.name, record_id, link, rel_id))

    def metadata(self) -> dict[str, Any]:
        """{"fields": {name: definition}, "filters": {name: definition}}."""
        return self._client._run(_meta.fields_call(self.name))

    def audit(
        self, record_id: str | None = None, *, offset: int = 0, limit: int | None = None
    ) -> ListResult:
        """Audit rows, newest first, one per changed field: of one record, or (without an
        id) of every record of the model the caller may read; iterating walks all pages."""
        return self._list(audit_call(self.name, record_id, offset, limit))

    def toggle_favorite(self, record_id: str) -> bool:
        """Star or unstar a record for the current user; True when it is now a favorite."""
        return self._client._run(favorite_call(self.name, record_id))

    def erase_personal(self, record_id: str, fields: str | Sequence[str]) -> bool:
        """GDPR erasure: empty these fields here and wherever the server keeps a copy."""
        return self._client._run(erase_personal_call(self.name, record_id, fields))


class AsyncModel:
    """Model for AsyncClient: the same methods, awaited. The list calls (list, related,
    linked_records) return an AsyncListQuery: awaited, the first page; `async for` over it
    (with or without the await), every matching record."""

    def __init__(self, client: AsyncRunner, name: str) -> None:
        self._client = client
        self.name = name

    def __repr__(self) -> str:
        return f"AsyncModel({self.name!r})"

    def _list(self, call: Call[Page]) -> AsyncListQuery:
        return AsyncListQuery(call, self._client._run)

    def list(
        self,
        *,
        fields: Fields = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        filter_text: str | None = None,
        query_favorite: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> AsyncListQuery:
        """`await` for the first page (an AsyncListResult); `async for` walks every record."""
        return self._list(
            list_call(
                self.name,
                fields=fields,
                filters=filters,
                order=order,
                filter_text=filter_text,
                query_favorite=query_favorite,
                offset=offset,
                limit=limit,
            )
        )

    async def get(self, record_id: str, fields: Fields = None) -> FetchedRecord:
        return await self._client._run(get_call(self.name, record_id, fields))

    async def create(self, data: Mapping[str, Any]) -> str:
        return await self._client._run(create_call(self.name, data))

    async def update(
        self,
        record_id: str,
        data: Mapping[str, Any],
        create: bool = False,
        if_match: str | None = None,
    ) -> bool:
        return await self._client._run(update_call(self.name, record_id, data, create, if_match))

    async def delete(self, record_id: str, if_match: str | None = None) -> bool:
        return await self._client._run(delete_call(self.name, record_id, if_match))

    def related(
        self,
        record_id: str,
        link: str,
        *,
        fields: Fields = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        filter_text: str | None = None,
        query_favorite: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> AsyncListQuery:
        """Like list: awaited, the first page; with `async for`, every related record."""
        return self._list(
            related_call(
                self.name,
                record_id,
                link,
                fields=fields,
                filters=filters,
                order=order,
                filter_text=filter_text,
                query_favorite=query_favorite,
                offset=offset,
                limit=limit,
            )
        )

    def linked_records(
        self,
        link: str,
        *,
        fields: Fields = None,
        order: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> AsyncListQuery:
        """Like list: awaited, the first page; with `async for`, every linked record."""
        return self._list(
            linked_call(self.name, link, fields=fields, order=order, offset=offset, limit=limit)
        )

    async def add_related(self, record_id: str, link: str, ids_or_mapping: RelatedIds) -> bool:
        return await self._client._run(add_related_call(self.name, record_id, link, ids_or_mapping))

    async def delete_related(self, record_id: str, link: str, rel_id: str) -> bool:
        return await self._client._run(delete_related_call(self.name, record_id, link, rel_id))

    async def metadata(self) -> dict[str, Any]:
        return await self._client._run(_meta.fields_call(self.name))

    def audit(
        self, record_id: str | None = None, *, offset: int = 0, limit: int | None = None
    ) -> AsyncListQuery:
        """Audit rows, newest first: await for the first page, `async for` for all."""
        return self._list(audit_call(self.name, record_id, offset, limit))

    async def toggle_favorite(self, record_id: str) -> bool:
        return await self._client._run(favorite_call(self.name, record_id))

    async def erase_personal(self, record_id: str, fields: str | Sequence[str]) -> bool:
        return await self._client._run(erase_personal_call(self.name, record_id, fields))
