"""Numbers, money, dates and labels for one locale (Babel and the language catalogs)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError, dates, numbers

from amity.core.i18n import Languages

# Characters CLDR formats use that the embedded font lacks, and what prints instead.
_SUBSTITUTES = str.maketrans({"\u202f": "\u00a0", "\uffe5": "\u00a5", "\t": " "})


@lru_cache(maxsize=1)
def builtin_languages() -> Languages:
    """The catalogs Amity ships, for callers that pass none of their own."""
    return Languages()


def parse_locale(tag: str) -> Locale:
    """A Babel locale for "de", "de-CH" or "de_CH"; English when the tag is unknown."""
    try:
        return Locale.parse(tag.strip().replace("-", "_") or "en")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


class Formatter:
    """Formats a document's values for a locale and translates its labels."""

    def __init__(
        self,
        locale: str,
        currency: str = "",
        languages: Languages | None = None,
        date_pattern: str = "medium",
    ):
        self.locale = parse_locale(locale)
        self.date_pattern = date_pattern
        self.languages = languages or builtin_languages()
        self.language = self.languages.negotiate(locale.replace("_", "-"))
        self.currency = currency.strip().upper()
        self.digits = numbers.get_currency_precision(self.currency) if self.currency else 2
        self._step = Decimal(1).scaleb(-self.digits)
        self._money = self._pattern(self.locale.decimal_formats[None].pattern, self.digits)
        self._percent = self._pattern(self.locale.percent_formats[None].pattern, 0, 3)

    @staticmethod
    def _pattern(text: str, least: int, most: int | None = None) -> numbers.NumberPattern:
        pattern = copy.copy(numbers.parse_pattern(text))
        pattern.frac_prec = (least, least if most is None else most)
        return pattern

    def label(self, english: str) -> str:
        """A label in the language (as given when the catalog lacks it)."""
        return self.languages.text(self.language, "labels", english) if english else ""

    def option(self, english: str) -> str:
        """An option value's label in the language."""
        return self.languages.text(self.language, "options", english) if english else ""

    def money(self, amount: Decimal) -> str:
        """An amount with the currency's decimals, without the symbol ("1,234.50")."""
        if not amount.is_finite():
            return str(amount)
        value = amount.quantize(self._step, rounding=ROUND_HALF_UP)
        return printable(self._money.apply(value, self.locale))

    def currency_amount(self, amount: Decimal) -> str:
        """An amount with the currency's symbol ("$1,234.50", "1.234,50 €")."""
        if not amount.is_finite() or not self.currency:
            return self.money(amount)
        value = amount.quantize(self._step, rounding=ROUND_HALF_UP)
        text = numbers.format_currency(value, self.currency, locale=self.locale)
        return printable(text)

    def quantity(self, value: Decimal) -> str:
        """A quantity with the digits it has ("2", "1.5")."""
        if not value.is_finite():
            return str(value)
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
        text = numbers.format_decimal(value, locale=self.locale, decimal_quantization=False)
        return printable(text)

    def percent(self, rate: Decimal) -> str:
        """A percentage given as its number (19 -> "19%", or "19 %" in German)."""
        if not rate.is_finite():
            return str(rate)
        return printable(self._percent.apply(rate / 100, self.locale))

    def date(self, value: date) -> str:
        """A date in the locale's medium format ("Mar 14, 2025", "14.03.2025"), or in the
        Babel pattern given (a reader's date format)."""
        return printable(dates.format_date(value, self.date_pattern, locale=self.locale))


def printable(text: str) -> str:
    """The text with characters the font lacks replaced by ones it has."""
    return text.translate(_SUBSTITUTES)
