"""amity_client: the Python client of the Amity CRM API (the 1CRM REST API dialect).

    from amity_client import Client, TokenAuth
    with Client("http://127.0.0.1:8000/api.php", TokenAuth("amity_pat_...")) as client:
        for contact in client.model("Contact").list(filters={"last_name": "Sm"}):
            print(contact["name"])

Layout, one module per endpoint group of the server: _data (/data, models), _meta
(/meta), _utility (/me, /version, /public_key), _auth and _oauth (credentials, /auth).
The IO-free core (_core, _retry, _paging) is shared by Client and AsyncClient (_client).
_changes (/changes); audit rows come from Model.audit. _webhooks (/webhooks) manages
webhooks; _verify checks, in a receiver, the deliveries they send. _files (/files)
uploads, downloads and describes files, with _uploads (what an upload sends) and
_downloads (where a download goes).
_tally (/tally) reads, saves, converts and prints tally objects; _printer (/printer/pdf)
prints any record, and a person's personal data. _calendar (/calendar/events) lists the
events in a date range; _reports (/reports) defines, runs and exports reports.
"""

from amity_client._auth import BasicAuth, OAuth, TokenAuth
from amity_client._calendar import AsyncCalendar, Calendar
from amity_client._changes import AsyncChangeFeed, ChangeFeed
from amity_client._client import DEFAULT_TIMEOUT, AsyncClient, Client
from amity_client._core import FetchedRecord
from amity_client._data import AsyncModel, Model
from amity_client._downloads import DownloadedFile
from amity_client._errors import (
    BadRequest,
    Conflict,
    Error,
    Forbidden,
    MethodNotAllowed,
    NetworkError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Timeout,
    Unauthorized,
    UnsupportedMediaType,
    WebhookVerificationError,
)
from amity_client._files import AsyncFiles, Files
from amity_client._oauth import AuthorizationFlow
from amity_client._printer import AsyncPrinter, Printer
from amity_client._reports import AsyncReports, Reports
from amity_client._results import AsyncListQuery, AsyncListResult, ListResult
from amity_client._retry import RetryPolicy
from amity_client._tally import AsyncTally, ConvertedTally, SavedTally, Tally, TallyObject
from amity_client._verify import verify_webhook
from amity_client._version import __version__
from amity_client._webhooks import AsyncWebhooks, Webhooks

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncCalendar",
    "AsyncChangeFeed",
    "AsyncClient",
    "AsyncFiles",
    "AsyncListQuery",
    "AsyncListResult",
    "AsyncModel",
    "AsyncPrinter",
    "AsyncReports",
    "AsyncTally",
    "AsyncWebhooks",
    "AuthorizationFlow",
    "BadRequest",
    "BasicAuth",
    "Calendar",
    "ChangeFeed",
    "Client",
    "Conflict",
    "ConvertedTally",
    "DownloadedFile",
    "Error",
    "FetchedRecord",
    "Files",
    "Forbidden",
    "ListResult",
    "MethodNotAllowed",
    "Model",
    "NetworkError",
    "NotFound",
    "OAuth",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Printer",
    "RateLimited",
    "Reports",
    "RetryPolicy",
    "SavedTally",
    "ServerError",
    "ServiceUnavailable",
    "Tally",
    "TallyObject",
    "Timeout",
    "TokenAuth",
    "Unauthorized",
    "UnsupportedMediaType",
    "WebhookVerificationError",
    "Webhooks",
    "__version__",
    "verify_webhook",
]
