"""Field types: a registry of name -> how a value is checked, stored and shown.

Each type knows how to turn a JSON value from a client into the value stored in the
database (`parse`, raising InvalidValue with a message for humans), how to turn a
stored value back into JSON (`to_json`), which filter kind it gets by default, and
what column it needs (`storage`, read by store/tables.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from amity.errors import Text

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
TEXT_MAX_LENGTH = 65_535  # characters of a long text field (1CRM's MySQL TEXT holds as many)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# numbers in strings take ASCII digits only: int() and float() would also read "١٢" or "1_0"
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
TRUE_WORDS = frozenset({"1", "yes", "true", "on"})
FALSE_WORDS = frozenset({"0", "no", "false", "off", ""})


class InvalidValue(ValueError):
    """A value does not fit its field's type; the message (an id with params, as for
    AmityError) says what is accepted."""

    def __init__(self, message: str, **params: object) -> None:
        self.message_id = message
        self.params = params
        super().__init__(message.format(**params) if params else message)


@dataclass(frozen=True)
class Choice:
    """An option of a custom option field: a stable id, a label, and whether it is
    retired (kept for stored values, refused for new writes)."""

    id: int
    label: str
    retired: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "retired": self.retired}


class FieldType:
    """Base of every field type. Subclasses override what differs."""

    name: ClassVar[str] = ""
    # string | text | integer | bool | float | scaled | date | datetime | none
    storage: ClassVar[str] = "string"
    filter_kind: ClassVar[str] = "text"
    accepts: ClassVar[str] = "a string"
    wire_type: ClassVar[str] = ""  # the 1CRM type /meta/fields shows; "" means `name`
    max_length: ClassVar[int | None] = None  # characters, for fields that declare no len

    def parse(
        self,
        value: Any,
        *,
        length: int | None = None,
        options: tuple[str, ...] = (),
        scale: int = 2,
        choices: tuple[Choice, ...] = (),
    ) -> Any:
        """Client JSON value -> stored value (None stays None)."""
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON number is no text: 400, not "12"
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        check_text(value, length)
        return value

    def to_json(self, value: Any) -> Any:
        """Stored value -> JSON value."""
        return value


def check_text(text: str, length: int | None) -> None:
    """Reject strings a database cannot store faithfully or that exceed the field length."""
    if "\x00" in text:
        raise InvalidValue("NUL characters are not allowed")
    if length is not None and len(text) > length:
        raise InvalidValue(
            "at most {length} characters allowed, got {count}", length=length, count=len(text)
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("the text is not valid Unicode") from None


class VarcharType(FieldType):
    name = "varchar"
    max_length = 255  # the width of the column a field without a len gets


class NameType(VarcharType):
    name = "name"


class PhoneType(VarcharType):
    name = "phone"


class TextType(FieldType):
    name = "text"
    storage = "text"
    max_length = TEXT_MAX_LENGTH


class EmailType(FieldType):
    name = "email"
    max_length = 255
    accepts = "an email address such as name@example.com"

    def parse(self, value: Any, **kw: Any) -> Any:
        text = super().parse(value, **kw)
        if text and not _EMAIL.match(text):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        return text


class UrlType(FieldType):
    name = "url"
    max_length = 255
    accepts = "an absolute http:// or https:// URL"

    def parse(self, value: Any, **kw: Any) -> Any:
        text = super().parse(value, **kw)
        if text and not _URL.match(text):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        return text


class IdType(FieldType):
    name = "id"
    filter_kind = "id"
    accepts = "a record id (string of at most 36 characters)"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        text = str(value)
        check_text(text, 36)
        return text


class EnumType(FieldType):
    name = "enum"
    filter_kind = "enum"
    accepts = "one of the field's options"

    def parse(self, value: Any, *, options: tuple[str, ...] = (), **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidValue(
                "expected {accepts}: {options}",
                accepts=Text(self.accepts),
                options=", ".join(options),
            )
        if options and value not in options:
            raise InvalidValue(
                "{value!r} is not an option; expected one of {options}",
                value=value,
                options=", ".join(options),
            )
        return value


class MultiEnumType(FieldType):
    """A set of options, stored 1CRM-style as ^a^,^b^ so that filters can match one."""

    name = "multienum"
    storage = "text"
    filter_kind = "multienum"
    accepts = "a list of the field's options"

    def parse(self, value: Any, *, options: tuple[str, ...] = (), **kw: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        for item in value:
            if options and item not in options:
                raise InvalidValue(
                    "{item!r} is not an option; expected any of {options}",
                    item=item,
                    options=", ".join(options),
                )
            check_text(item, 100)
        return ",".join(f"^{v}^" for v in dict.fromkeys(value))

    def to_json(self, value: Any) -> Any:
        if not value:
            return []
        return [part.strip("^") for part in value.split(",")]


class BoolType(FieldType):
    name = "bool"
    storage = "bool"
    filter_kind = "bool"
    accepts = "true or false (also 1/0, yes/no)"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None:
            return None
        return parse_bool(value, self.accepts)

    def to_json(self, value: Any) -> Any:
        return None if value is None else bool(value)


def parse_bool(value: Any, accepts: str = "true or false") -> bool:
    """1CRM booleans: true/false, 1/0, yes/no (strings or JSON)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
    raise InvalidValue("expected {accepts}", accepts=Text(accepts))


class IntType(FieldType):
    name = "int"
    storage = "integer"
    filter_kind = "number"
    accepts = "an integer"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        if isinstance(value, float):
            if not value.is_integer():
                raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
            value = int(value)
        if isinstance(value, str):
            text = value.strip()
            if not _ASCII_INTEGER.fullmatch(text) or len(text) > 20:
                raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
            value = int(text)
        if not isinstance(value, int):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        if not INT64_MIN <= value <= INT64_MAX:
            raise InvalidValue(
                "expected {accepts} between {int64_min} and {int64_max}",
                accepts=Text(self.accepts),
                int64_min=INT64_MIN,
                int64_max=INT64_MAX,
            )
        return value


class FloatType(FieldType):
    name = "float"
    storage = "float"
    filter_kind = "number"
    accepts = "a number"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or (
            isinstance(value, str) and not _ASCII_NUMBER.fullmatch(value.strip())
        ):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts)) from None
        if not math.isfinite(number):
            raise InvalidValue("expected a finite number")
        return number


class DecimalType(FieldType):
    """Exact amounts, stored as an integer count of 10**-scale units (cents by default).

    Shown as text with exactly `scale` places ("224.55", as 1CRM writes amounts), so
    that no client reads them through a float; taken as a string or a number."""

    name = "decimal"
    storage = "scaled"
    filter_kind = "number"
    accepts = "a decimal number"
    digits = 15  # significant digits a JSON number (a double) carries exactly
    as_text: ClassVar[bool] = True  # False: shown as a JSON number (App CRM's Numeric)

    def parse(self, value: Any, *, scale: int = 2, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, str))
            or (isinstance(value, str) and not _ASCII_NUMBER.fullmatch(value.strip()))
        ):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts)) from None
        limit = Decimal(10) ** (self.digits - scale)
        if not number.is_finite() or abs(number) >= limit:
            raise InvalidValue(
                "expected {accepts} of absolute value below {limit}",
                accepts=Text(self.accepts),
                limit=limit,
            )
        scaled = number.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise InvalidValue(
                "expected {accepts} with at most {scale} decimal places",
                accepts=Text(self.accepts),
                scale=scale,
            )
        return int(scaled)

    def to_json(self, value: Any) -> Any:
        return value  # scaled back by the field, which knows the scale: scaled_json

    def scaled_json(self, count: int, scale: int) -> str | float:
        """A stored count as JSON: 22455 at scale 2 is "224.55" (or 224.55 where not
        as_text; `digits` significant digits survive a double exactly)."""
        number = Decimal(count).scaleb(-scale)
        return f"{number:.{scale}f}" if self.as_text else float(number)


class CurrencyType(DecimalType):
    name = "currency"


class DateType(FieldType):
    name = "date"
    storage = "date"
    filter_kind = "date"
    accepts = "a date as Y-m-d, e.g. 2024-03-31"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        return parse_date(value, self.accepts)

    def to_json(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date().isoformat()  # isoformat keeps 4 year digits (0001-01-01)
        if isinstance(value, date):
            return value.isoformat()
        return value


def parse_date(value: Any, accepts: str = "a date as Y-m-d") -> date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise InvalidValue("expected {accepts}", accepts=Text(accepts))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("expected {accepts}", accepts=Text(accepts)) from None


class DateTimeType(FieldType):
    name = "datetime"
    storage = "datetime"
    filter_kind = "date"
    accepts = "a date and time in GMT as Y-m-d H:i:s, e.g. 2024-03-31 14:05:00"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        return parse_datetime(value, self.accepts)

    def to_json(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        if isinstance(value, str):  # raw SQLite text: 'Y-m-d H:i:s.ffffff'
            return value[:19]
        return value


def parse_datetime(value: Any, accepts: str = "a date and time as Y-m-d H:i:s") -> datetime:
    if not isinstance(value, str) or not re.fullmatch(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?", value
    ):
        raise InvalidValue("expected {accepts}", accepts=Text(accepts))
    try:
        return datetime.fromisoformat(value.replace("T", " "))
    except ValueError:
        raise InvalidValue("expected {accepts}", accepts=Text(accepts)) from None


class RefType(FieldType):
    """A reference shown by the related record's name; the id lives in the id_name field."""

    name = "ref"
    storage = "none"
    filter_kind = "ref"


class FileRefType(VarcharType):
    name = "file_ref"


class ImageType(VarcharType):
    name = "image"


# -- custom field types (App CRM's catalogue); names are CamelCase, unlike 1CRM's ----------


class CustomBoolean(BoolType):
    name = "Boolean"
    wire_type = "bool"


class CustomColorSwatch(FieldType):
    """A colour as #rrggbb, stored lower-case."""

    name = "ColorSwatch"
    wire_type = "varchar"
    accepts = "a colour as #rrggbb, e.g. #333333"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        return value.lower()


class CustomDate(DateType):
    name = "Date"
    wire_type = "date"


class CustomDateTime(DateTimeType):
    name = "DateTime"
    wire_type = "datetime"
    accepts = "a date and time in UTC as Y-m-d H:i:s, e.g. 2020-11-26 06:00:00"


class CustomNumber(IntType):
    name = "Number"
    wire_type = "int"


class CustomNumeric(DecimalType):
    """decimal(15, 3): exact, stored as an integer count of thousandths. Shown as a JSON
    number, as App CRM's examples write it (1250.33)."""

    name = "Numeric"
    wire_type = "decimal"
    as_text = False
    accepts = "a number with at most 3 decimal places, e.g. 1250.330 or 1300"


class CustomUrl(FieldType):
    name = "URL"
    wire_type = "url"
    accepts = "an absolute http:// or https:// URL, e.g. https://www.example.com"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        text = super().parse(value, **kw)
        try:
            parts = urlsplit(text)
        except ValueError:
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts)) from None
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or not _URL.match(text)
        ):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        return text


class CustomText(VarcharType):
    name = "Text"
    wire_type = "varchar"
    accepts = "a string of at most 255 characters"


class CustomTextarea(TextType):
    name = "Textarea"
    wire_type = "text"
    accepts = "a string"


class CustomFile(FileRefType):
    """A file attached to the record (the files service gives the value its meaning)."""

    name = "File"
    wire_type = "file_ref"
    accepts = "a string of at most 255 characters"


class CustomImage(ImageType):
    """An image attached to the record, like File."""

    name = "Image"
    wire_type = "image"
    accepts = "a string of at most 255 characters"


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


class CustomTimezone(FieldType):
    name = "Timezone"
    wire_type = "varchar"
    accepts = "an IANA time zone name such as America/Toronto"

    def parse(self, value: Any, **kw: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or value not in timezone_names():
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        return value


def option_id(value: Any) -> int:
    """An option id from JSON: an integer, or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,17}", value.strip()):
        return int(value.strip())
    raise InvalidValue("expected an option id (an integer), got {value!r}", value=value)


def check_choice(oid: int, choices: tuple[Choice, ...]) -> None:
    """The option must exist and not be retired."""
    for choice in choices:
        if choice.id == oid:
            if choice.retired:
                raise InvalidValue(
                    "option {oid} ({label}) is retired; expected {choices}",
                    oid=oid,
                    label=choice.label,
                    choices=describe_choices(choices),
                )
            return
    raise InvalidValue(
        "{oid} is not an option id; expected {choices}", oid=oid, choices=describe_choices(choices)
    )


def describe_choices(choices: tuple[Choice, ...]) -> Text:
    live = [f"{c.id} ({c.label})" for c in choices if not c.retired]
    if not live:
        return Text("no option (none is active)")
    return Text("one of the option ids {ids}", ids=", ".join(live))


class CustomSelect(FieldType):
    """One option id, stored as the integer id."""

    name = "Select"
    wire_type = "enum"
    storage = "integer"
    filter_kind = "option"
    accepts = "one option id (an integer; the field lists its options)"

    def parse(self, value: Any, *, choices: tuple[Choice, ...] = (), **kw: Any) -> Any:
        if value is None or value == "":
            return None
        oid = option_id(value)
        check_choice(oid, choices)
        return oid


class CustomRadio(CustomSelect):
    name = "Radio"


class CustomMultiSelect(FieldType):
    """A list of option ids, stored as ^1^,^5^ so that filters can match one."""

    name = "MultiSelect"
    wire_type = "multienum"
    storage = "text"
    filter_kind = "option_set"
    accepts = "a list of option ids, e.g. [5] (the field lists its options)"

    def parse(self, value: Any, *, choices: tuple[Choice, ...] = (), **kw: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            raise InvalidValue("expected {accepts}", accepts=Text(self.accepts))
        ids = [option_id(v) for v in value]
        for oid in ids:
            check_choice(oid, choices)
        return ",".join(f"^{oid}^" for oid in dict.fromkeys(ids)) or None

    def to_json(self, value: Any) -> Any:
        if not value:
            return []
        return [int(part.strip("^")) for part in value.split(",")]


class CustomCheckbox(CustomMultiSelect):
    name = "Checkbox"


FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        VarcharType(),
        NameType(),
        PhoneType(),
        TextType(),
        EmailType(),
        UrlType(),
        IdType(),
        EnumType(),
        MultiEnumType(),
        BoolType(),
        IntType(),
        FloatType(),
        DecimalType(),
        CurrencyType(),
        DateType(),
        DateTimeType(),
        RefType(),
        FileRefType(),
        ImageType(),
    )
}

CUSTOM_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        CustomBoolean(),
        CustomColorSwatch(),
        CustomCheckbox(),
        CustomDate(),
        CustomDateTime(),
        CustomFile(),
        CustomImage(),
        CustomMultiSelect(),
        CustomNumber(),
        CustomNumeric(),
        CustomRadio(),
        CustomUrl(),
        CustomSelect(),
        CustomText(),
        CustomTextarea(),
        CustomTimezone(),
    )
}
"""The types a custom field may have (App CRM's names), also in FIELD_TYPES."""
FIELD_TYPES.update(CUSTOM_TYPES)
OPTION_TYPES = frozenset(n for n, t in CUSTOM_TYPES.items() if t.filter_kind.startswith("option"))
CUSTOM_TEXT_TYPES = frozenset({"Text", "URL", "ColorSwatch", "Timezone"})
"""Custom types compared case-folded (prefix filters, order), like 1CRM's varchar."""


def field_type(name: str) -> FieldType:
    """The registered type called `name` (KeyError names it when unknown)."""
    return FIELD_TYPES[name]
