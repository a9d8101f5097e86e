"""The 1CRM API's own words for the neutral hints core raises with.

Core names no path and no query syntax: its hints say what to do in plain words ("list
the fields of {model} to see the valid names"). The 1CRM API tells the client the exact
request instead; this table maps each neutral hint (or message part) id to the 1CRM
text, which keeps its own German translation in amity/i18n/de.json. Other dialects
show the neutral text.
"""

from __future__ import annotations

from collections.abc import Mapping

from amity.core.i18n import HasMessage
from amity.errors import AmityError, Text

HINTS: dict[str, str] = {
    # models and fields
    "list the models to see the ones this server knows": (
        "GET /meta/modules lists the models this server knows"
    ),
    "name a model or a kind of configuration object": (
        "name a model (GET /meta/modules) or a kind of configuration object"
    ),
    "list the fields of {model} to see the valid names": (
        "GET /meta/fields/{model} lists its fields"
    ),
    "list the fields of {model} to see its filters": "GET /meta/fields/{model} lists its filters",
    "list the fields of {model} to see those of type file_ref and image": (
        "GET /meta/fields/{model} lists its fields of type file_ref and image"
    ),
    "name a field of {model}": "name a field of {model} (GET /meta/fields/{model} lists them)",
    "the fields of {model} mark personal fields as personal": (
        "GET /meta/fields/{model} marks personal fields with personal: true"
    ),
    "erase fields that hold values; the fields of {model} mark personal data as personal": (
        "erase fields that hold values; GET /meta/fields/{model} marks personal data "
        "with personal: true"
    ),
    "one option id (an integer; the field lists its options)": (
        "one option id (an integer; GET /meta/fields lists the options)"
    ),
    "a list of option ids, e.g. [5] (the field lists its options)": (
        "a list of option ids, e.g. [5] (GET /meta/fields lists the options)"
    ),
    "with {source} {source_value!r}, {target} may be: {options}": (
        "with {source} {source_value!r}, {target} may be: {options} "
        "(GET /meta/dependencies/{model})"
    ),
    # custom fields and models
    "list the custom fields of {model} to see them": "GET /admin/fields/{model} lists them",
    "list the custom models to see them": "GET /admin/models lists them",
    "read the custom model {name} to see its links": "GET /admin/models/{name} lists its links",
    "first take {link_name} out of the portal settings of {name}": (
        'first PATCH /admin/models/{name} {{"portal": null}}'
    ),
    "list the removed custom models to see them": (
        "GET /admin/models?include_removed=1 lists them"
    ),
    # list filters
    "map each filter name to its value, e.g. last_name to Smith": ("e.g. filters[last_name]=Smith"),
    "the filters a list of records takes, e.g. last_name to Smith": (
        'the filters GET /data/{model} takes, e.g. {"last_name": "Smith"}'
    ),
    "filter by {id_name} with an id": "use filters[{id_name}]=<id>",
    "give {key} a date as Y-m-d": "pass filters[{key}]=Y-m-d",
    "give {key} a number": "pass filters[{key}]=<number>",
    "give {filter}-period one of day, week, month, quarter, year, fiscal_quarter, "
    "fiscal_year or days_N": (
        "pass "
        "filters[{filter}-period]=day|week|month|quarter|year|fiscal_quarter|fiscal_year|days_N"
    ),
    # sign-in, tokens, files
    "sign in again": "sign in again: POST /api.php/session",
    "ask for a new portal token": "ask for a new one (POST /api.php/portal/auth)",
    "administrators revoke a contact's portal tokens": (
        "administrators revoke a contact's tokens with DELETE /api.php/portal/tokens/{contact_id}"
    ),
    "create a calendar feed token first": "create one with POST /calendar/ics/token",
    "upload the file first and write the id its upload answers (INCOMING~...) "
    "within {hours} hours": (
        "upload the file with POST /files/upload and write the id it answers "
        "(INCOMING~...) within {hours} hours"
    ),
    "ask for a new file link": "ask for a new one: GET /files/info",
    # jobs, reports, webhooks
    "list the jobs to see them": "GET /api.php/admin/jobs lists them",
    "list the reports of {model} to see those you may read": (
        "GET /reports/{model} lists the reports you may read"
    ),
    "wait until the run of report {report_id} is done": (
        "wait until GET /reports/{model}/{report_id} shows it done"
    ),
    "list your webhooks to see them": "GET /webhooks lists yours",
    "list the deliveries of webhook {webhook} to see them": (
        "GET /webhooks/{webhook}/deliveries lists them"
    ),
}


def native_id(text_id: str) -> str:
    """The 1CRM text of a neutral hint or message id (the id itself when it has none)."""
    return HINTS.get(text_id, text_id)


def native_params(params: Mapping[str, object]) -> Mapping[str, object]:
    """Params with each message part (a Text, an InvalidValue) in its 1CRM words too;
    the same params when none has other words."""
    native = {key: _native_part(value) for key, value in params.items()}
    return params if all(native[key] is value for key, value in params.items()) else native


def _native_part(value: object) -> object:
    if not isinstance(value, HasMessage):  # a Text is one
        return value
    message_id, params = native_id(value.message_id), native_params(value.params)
    if message_id is value.message_id and params is value.params:
        return value
    return NativeText(message_id, **params)


class NativeText(Text):
    """A message part in 1CRM's words: its id is a value of HINTS (each has German, which
    tests/api/test_native_hints.py checks) or the part's own id."""


def native_hint(exc: AmityError) -> str:
    """An error's hint in 1CRM's words, in English (for the command line)."""
    hint, params = native_id(exc.hint_id), native_params(exc.params)
    return hint.format(**params) if params else hint
