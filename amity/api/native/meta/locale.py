"""/meta/locale: formats of numbers, dates, names and addresses, and the base currency,
in the request's language."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name, get_currency_symbol
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.language import language
from amity.api.native.meta.labels import NAME_FORMAT
from amity.api.responses import JSONResponse


async def meta_locale(request: Request) -> JSONResponse:
    """Formats of numbers, dates, names, addresses and the base currency."""
    require_actor(request)
    svc = services(request)
    lang = language(request)
    formats = svc.languages.locale(lang)
    code = svc.settings.currency.upper()
    try:
        cldr = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        cldr = Locale.parse("en")
    pattern = cldr.currency_formats["standard"].pattern
    formats["base_currency"] = {
        "name": get_currency_name(code, locale=cldr),
        "iso4217": code,
        "symbol": get_currency_symbol(code, locale=cldr),
        "significant_digits": 2,
        "symbol_place_after": pattern.rstrip().endswith("¤"),
        "space_separate": "\u00a0¤" in pattern or " ¤" in pattern or "¤\u00a0" in pattern,
    }
    formats["name_format"] = NAME_FORMAT
    return JSONResponse(formats)


routes = [
    Route("/meta/locale", meta_locale, methods=["GET"]),
]
