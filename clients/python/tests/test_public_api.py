"""The package's public surface: __all__, the error tree, the typing marker."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import get_type_hints

import amity_client
from amity_client import (
    AsyncChangeFeed,
    AsyncClient,
    AsyncFiles,
    AsyncListQuery,
    AsyncModel,
    AsyncPrinter,
    AsyncReports,
    AsyncTally,
    AsyncWebhooks,
    BadRequest,
    ChangeFeed,
    Client,
    Conflict,
    Error,
    Files,
    Forbidden,
    ListResult,
    MethodNotAllowed,
    Model,
    NetworkError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Printer,
    RateLimited,
    Reports,
    ServerError,
    ServiceUnavailable,
    Tally,
    Timeout,
    Unauthorized,
    UnsupportedMediaType,
    Webhooks,
    WebhookVerificationError,
)


def test_all_lists_exactly_the_public_names() -> None:
    exported = set(amity_client.__all__)
    assert len(exported) == len(amity_client.__all__)
    for name in exported:
        assert hasattr(amity_client, name), name
    public = {
        n
        for n in vars(amity_client)
        if not n.startswith("_") and not inspect.ismodule(getattr(amity_client, n))
    }
    assert public == exported - {"__version__"}
    for name in (
        "Client",
        "AsyncClient",
        "BasicAuth",
        "TokenAuth",
        "OAuth",
        "AuthorizationFlow",
        "RetryPolicy",
        "ListResult",
        "Error",
        "Webhooks",
        "verify_webhook",
        "WebhookVerificationError",
        "Files",
        "AsyncFiles",
        "DownloadedFile",
        "Tally",
        "AsyncTally",
        "TallyObject",
        "SavedTally",
        "ConvertedTally",
        "Reports",
        "AsyncReports",
        "Printer",
        "AsyncPrinter",
    ):
        assert name in exported


def test_error_tree_is_the_documented_one() -> None:
    tree = {
        NetworkError: Error,
        Timeout: NetworkError,
        BadRequest: Error,
        MethodNotAllowed: BadRequest,
        Conflict: BadRequest,
        PayloadTooLarge: BadRequest,
        PreconditionFailed: BadRequest,
        UnsupportedMediaType: BadRequest,
        Unauthorized: Error,
        Forbidden: Error,
        NotFound: Error,
        RateLimited: Error,
        ServerError: Error,
        ServiceUnavailable: ServerError,
        WebhookVerificationError: Error,
    }
    for cls, parent in tree.items():
        assert cls.__bases__ == (parent,), cls
        assert cls.__name__ in (amity_client._errors.__doc__ or "")
    assert issubclass(Error, Exception)


def test_async_surface_mirrors_the_sync_one() -> None:
    pairs = (
        (Client, AsyncClient),
        (Model, AsyncModel),
        (Webhooks, AsyncWebhooks),
        (Files, AsyncFiles),
        (Tally, AsyncTally),
        (Reports, AsyncReports),
        (Printer, AsyncPrinter),
    )
    for sync_cls, async_cls in pairs:
        sync_names = {n for n in vars(sync_cls) if not n.startswith("_") and n != "close"}
        async_names = {n for n in vars(async_cls) if not n.startswith("_") and n != "aclose"}
        assert sync_names == async_names
        for name in sync_names:
            sync_attr, async_attr = getattr(sync_cls, name), getattr(async_cls, name)
            if inspect.isfunction(sync_attr) and name != "model":
                if get_type_hints(sync_attr)["return"] is ListResult:  # awaitable, iterable
                    assert get_type_hints(async_attr)["return"] is AsyncListQuery, name
                elif get_type_hints(sync_attr)["return"] is ChangeFeed:  # async iterable
                    assert get_type_hints(async_attr)["return"] is AsyncChangeFeed, name
                else:
                    assert inspect.iscoroutinefunction(async_attr), name
                sync_params = list(inspect.signature(sync_attr).parameters)
                assert list(inspect.signature(async_attr).parameters) == sync_params, name
    assert get_type_hints(vars(Client)["webhooks"].fget)["return"] is Webhooks
    assert get_type_hints(vars(AsyncClient)["webhooks"].fget)["return"] is AsyncWebhooks
    assert get_type_hints(vars(Client)["files"].fget)["return"] is Files
    assert get_type_hints(vars(AsyncClient)["files"].fget)["return"] is AsyncFiles
    assert get_type_hints(vars(Client)["tally"].fget)["return"] is Tally
    assert get_type_hints(vars(AsyncClient)["tally"].fget)["return"] is AsyncTally
    assert get_type_hints(vars(Client)["reports"].fget)["return"] is Reports
    assert get_type_hints(vars(AsyncClient)["reports"].fget)["return"] is AsyncReports
    assert get_type_hints(vars(Client)["printer"].fget)["return"] is Printer
    assert get_type_hints(vars(AsyncClient)["printer"].fget)["return"] is AsyncPrinter


def test_package_is_typed() -> None:
    assert (Path(amity_client.__file__).parent / "py.typed").exists()
