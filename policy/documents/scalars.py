"""The scalar field types of documents and the conversions that make them run-time values.

Each scalar is an `Annotated` alias carrying three things: a pydantic `PlainValidator` (so
pydantic never applies its own lax coercions — `"yes"` is not a bool, a Unix time is not a
date), a JSON Schema for `rev schema`, and a `Scalar` marker naming the checker type. The
models, the checker record types, the value tree and the canonical form are all derived from
these markers, so a field's type is written exactly once.

Validators receive already-prepared data (no binary floats: see `prepare.py`) and return the
final run-time value: `Decimal` for numbers and percents (a percent is its fraction), `Money`,
`datetime.date`, `str`, `bool`. Problems are raised as `PydanticCustomError` of type `document`
carrying the diagnostic code, message and help, which `errors.py` turns into diagnostics.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from policy.diagnostics import did_you_mean
from policy.documents.limits import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS
from policy.types import BOOL, DATE, MONEY, NUMBER, PERCENT, TEXT, RecordType, Type
from policy.values import Money, format_number

INVALID = "document/invalid-value"


@dataclass(frozen=True)
class Scalar:
    """Marks an annotated field as one scalar (or free-map) type of the language."""

    type: Type
    expected: str
    """How messages name what was expected (`a percent like "25%"`)."""
    validate: Callable[..., Any] | None = field(default=None, compare=False)
    """The field's validator, for the fast path (`fast_path.py`) to call as pydantic would."""


@dataclass(frozen=True)
class Ref:
    """Marks a text field that names a record of the same document by its `key`.

    `collection` is the top-level list holding the records; `expose` is the extra key under
    which the value tree carries the referenced record itself (`s["from"]`).
    """

    collection: str
    record: type
    expose: str
    key: str = "id"


def plain_currency(data: Mapping[str, Any]) -> str:
    """The currency of a document's plain amounts: its own `currency` when valid, else USD.

    An invalid `currency` is reported by its own field; amounts are then read as USD.
    """
    code = data.get("currency")
    return code.strip() if isinstance(code, str) and len(code.strip()) == 3 and code.strip().isupper() else "USD"


def problem(message: str, help: str | None = None, code: str = INVALID) -> PydanticCustomError:
    """A validation problem that `errors.py` turns into a diagnostic with this code and help."""
    return PydanticCustomError("document", "{message}", {"code": code, "message": message, "help": help})


def clip(text: str, width: int = 40) -> str:
    """User text shortened for a message, on one line."""
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(value: Any) -> str:
    """What was found, for `expected X, found Y` messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"bool `{str(value).lower()}`"
    if isinstance(value, int | Decimal):
        return f"number `{clip(str(value))}`"
    if isinstance(value, str):
        return f"text `{clip(value)}`" if value.strip() else "empty text"
    if isinstance(value, Money):
        return f"money `{clip(str(value.amount))} {value.currency}`"
    if isinstance(value, dt.datetime):
        return f"date-time `{value.isoformat()}`"
    if isinstance(value, dt.date):
        return f"date `{value.isoformat()}`"
    if isinstance(value, Mapping):
        return "a record"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type `{type(value).__name__}`"


def bounded(value: Decimal) -> Decimal | None:
    """`value` if it is finite and within the digit limits (zero normalised), else None."""
    if not value.is_finite():
        return None
    if value.is_zero():
        return Decimal(0)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    exponent = value.normalize().as_tuple().exponent
    return value if isinstance(exponent, int) and exponent >= -MAX_FRACTION_DIGITS else None


RANGE_HELP = f"numbers have at most {MAX_INTEGER_DIGITS} digits before the point and {MAX_FRACTION_DIGITS} after"

_NUMBER = re.compile(
    r"(?P<sign>[-+]?)\s*(?P<int>\d{1,3}(?:,\d{3})+|\d[\d_]*|)(?:\.(?P<frac>\d[\d_]*))?"
    r"(?:[eE](?P<exp>[-+]?\d{1,4}))?\s*(?P<suffix>[kKmMbB]?)"
)
_SCALE = {"": 0, "k": 3, "K": 3, "m": 6, "M": 6, "b": 9, "B": 9}


def parse_number_text(text: str, suffixes: bool = True) -> Decimal | None:
    """A decimal from `50_000`, `1,200,000`, `1.5`, `50k`, `1.2M`, `2B`; None if it is not one."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None or not (match["int"] or match["frac"]) or (match["suffix"] and not suffixes):
        return None
    digits = match["int"].replace(",", "").replace("_", "") or "0"
    frac = (match["frac"] or "").replace("_", "")
    try:
        value = Decimal(f"{match['sign']}{digits}.{frac or '0'}" if frac else f"{match['sign']}{digits}")
        if match["exp"]:
            value = value.scaleb(int(match["exp"]))
    except InvalidOperation:
        return None
    return value.scaleb(_SCALE[match["suffix"]]) if match["suffix"] else value


def _decimal(value: Any, expected: str) -> Decimal:
    """A bounded decimal from a number or numeric text, else a problem naming `expected`."""
    number: Decimal | None = None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        number = parse_number_text(value)
    if number is None:
        raise problem(f"expected {expected}, found {describe(value)}")
    result = bounded(number)
    if result is None:
        raise problem(f"expected {expected} in range, found {describe(value)}", RANGE_HELP)
    return result


def to_number(value: Any) -> Decimal:
    """A number: `9`, `1.5`, or text such as `50k` or `1_000` (CSV cells are text)."""
    return _decimal(value, "a number")


def to_percent(value: Any) -> Decimal:
    """A percent as its fraction: `"25%"` or `0.25`; a bare number above 1 is a likely slip."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = parse_number_text(value.strip()[:-1], suffixes=False)
        if number is None:
            raise problem(f'expected a percent like "25%", found {describe(value)}')
        fraction = bounded(number / 100)
        if fraction is None:
            raise problem(f"expected a percent in range, found {describe(value)}", RANGE_HELP)
        return fraction
    fraction = _decimal(value, 'a percent like "25%" or a fraction like 0.25')
    if abs(fraction) > 1:
        raise problem(
            f"expected a percent as `25%` or a fraction up to 1, found {describe(value)}",
            f'did you mean "{format_number(fraction)}%"?',
        )
    return fraction


_MONEY = re.compile(
    r"(?P<pre>[A-Za-z]{3})?\s*(?P<sign>[-+]?)\s*(?P<dollar>\$?)\s*(?P<num>[\d.,_]+(?:[eE][-+]?\d+)?)"
    r"\s*(?P<suffix>[kKmMbB]?)\s*(?P<code>[A-Za-z]{3})?"
)
MONEY_EXPECTED = 'money like `240000`, "240k USD" or "$50k"'


def to_money(value: Any, info: ValidationInfo) -> Money:
    """Money: a plain amount in the document's currency, or text with a code or `$`."""
    return money_in(value, (info.context or {}).get("currency") or "USD")


def money_in(value: Any, currency: str) -> Money:
    """Money, plain amounts being in `currency` (what `to_money` does with the document's context)."""
    if isinstance(value, Money):
        amount = bounded(value.amount) if isinstance(value.amount, Decimal) else None
        if amount is None or not isinstance(value.currency, str):
            raise problem(f"expected {MONEY_EXPECTED}, found {describe(value)}", RANGE_HELP)
        return Money(amount, value.currency)
    if not isinstance(value, str):
        return Money(_decimal(value, MONEY_EXPECTED), currency)
    match = _MONEY.fullmatch(value.strip())
    number = parse_number_text(f"{match['sign']}{match['num']}{match['suffix']}") if match else None
    if match is None or number is None:
        raise problem(f"expected {MONEY_EXPECTED}, found {describe(value)}")
    if match["pre"] and match["code"]:
        raise problem(f"expected one currency code, found {describe(value)}")
    code = (match["pre"] or match["code"] or ("USD" if match["dollar"] else currency)).upper()
    if match["dollar"] and code != "USD":
        raise problem(f"expected `$` amounts in USD, found {describe(value)}", f'write "{number} {code}"')
    amount = bounded(number)
    if amount is None:
        raise problem(f"expected {MONEY_EXPECTED} in range, found {describe(value)}", RANGE_HELP)
    return Money(amount, code)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_date(value: Any) -> dt.date:
    """An ISO calendar date; a date-time is not a date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise problem(f"expected a calendar date, found {describe(value)}") from None
    raise problem(f"expected a date like `2026-07-01`, found {describe(value)}")


def to_text(value: Any) -> str:
    """Text; a YAML or JSON number or date is taken as its literal text (`version: 1.10`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise problem(f"expected text, found {describe(value)}", f'quote it: "{str(value).lower()}"')
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise problem(f"expected text, found {describe(value)}")


def to_id(value: Any) -> str:
    """An identifier: non-empty text without surrounding blanks."""
    text = to_text(value).strip()
    if not text:
        raise problem(f"expected an id, found {describe(value)}")
    return text


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def to_person(value: Any) -> str:
    """A person: an e-mail address, lower-cased so that comparisons across documents agree."""
    text = value.strip().lower() if isinstance(value, str) else None
    if text is None or not _EMAIL.fullmatch(text):
        raise problem(f"expected an e-mail address, found {describe(value)}")
    return text


def to_bool(value: Any) -> bool:
    """`true` or `false` (also as text, for spreadsheet cells); YAML 1.1 `yes`/`on` are not bools."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    answers = {"yes": "true", "on": "true", "y": "true", "no": "false", "off": "false", "n": "false"}
    guess = answers.get(value.strip().lower()) if isinstance(value, str) else None
    raise problem(f"expected `true` or `false`, found {describe(value)}", f"did you mean `{guess}`?" if guess else None)


_CODE = re.compile(r"[A-Z]{3}")


def to_currency(value: Any) -> str:
    """An ISO-4217 code: three capital letters."""
    if isinstance(value, str) and _CODE.fullmatch(value.strip()):
        return value.strip()
    help = (
        f"did you mean `{value.strip().upper()}`?"
        if isinstance(value, str) and _CODE.fullmatch(value.strip().upper())
        else None
    )
    raise problem(f"expected a currency code like `USD`, found {describe(value)}", help)


def one_of(*options: str) -> Callable[[Any], str]:
    """A validator for text that must be one of `options`, suggesting the closest."""

    def validate(value: Any) -> str:
        text = to_text(value).strip() if not isinstance(value, bool) else None
        if text in options:
            return text
        listed = ", ".join(f"`{o}`" for o in options)
        help = did_you_mean(text, options) if text else None
        raise problem(f"expected one of {listed}, found {describe(value)}", help)

    return validate


def free_value(value: Any) -> Any:
    """A value of a free map: integers become decimals; records and lists are copied."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | Decimal):
        number = bounded(Decimal(value))
        if number is None:
            raise problem(f"expected numbers in range, found {describe(value)}", RANGE_HELP)
        return number
    if isinstance(value, Mapping):
        return {str(k): free_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [free_value(v) for v in value]
    return value


def to_free_map(value: Any) -> dict[str, Any]:
    """A free map (`attributes`): any names, any values."""
    if not isinstance(value, Mapping):
        raise problem(f"expected a map of names to values, found {describe(value)}")
    return {str(k): free_value(v) for k, v in value.items()}


def to_text_map(value: Any) -> dict[str, str]:
    """A map of text to text (rating-scale `labels`): keys such as `1` become `"1"`."""
    if not isinstance(value, Mapping):
        raise problem(f"expected a map of names to text, found {describe(value)}")
    result: dict[str, str] = {}
    for key, item in value.items():
        try:
            result[str(key)] = to_text(item)
        except PydanticCustomError:
            raise problem(f"expected text for `{clip(str(key))}`, found {describe(item)}") from None
    return result


def scalar(
    validator: Callable[..., Any], type_: Type, expected: str, schema: dict[str, Any]
) -> tuple[PlainValidator, WithJsonSchema, Scalar]:
    """The metadata of one scalar alias."""
    return PlainValidator(validator), WithJsonSchema(schema), Scalar(type_, expected, validator)


_NUM_TEXT = r"^[-+]?[\d_.,]+(e[-+]?\d+)?\s*[kKmMbB]?$"
_TEXTUAL = {"anyOf": [{"type": "string"}, {"type": "number"}]}

Text = Annotated[str, *scalar(to_text, TEXT, "text", _TEXTUAL)]
Id = Annotated[str, *scalar(to_id, TEXT, "an id", {**_TEXTUAL, "description": "non-empty"})]
Person = Annotated[str, *scalar(to_person, TEXT, "an e-mail address", {"type": "string", "format": "email"})]
Number = Annotated[
    Decimal,
    *scalar(to_number, NUMBER, "a number", {"anyOf": [{"type": "number"}, {"type": "string", "pattern": _NUM_TEXT}]}),
]
Percent = Annotated[
    Decimal,
    *scalar(
        to_percent,
        PERCENT,
        'a percent like "25%"',
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[-+]?[\d_.]+\s*%$"},
                {"type": "number", "minimum": -1, "maximum": 1},
            ]
        },
    ),
]
MoneyAmount = Annotated[
    Money,
    *scalar(
        to_money,
        MONEY,
        "money",
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^[A-Za-z]{0,3}\s*[-+]?\$?[\d_.,]+"}],
            "description": "an amount in the document's currency, or text with a code: 240k USD, $50k",
        },
    ),
]
Date = Annotated[dt.date, *scalar(to_date, DATE, "a date", {"type": "string", "format": "date"})]
Bool = Annotated[bool, *scalar(to_bool, BOOL, "`true` or `false`", {"type": "boolean"})]
Currency = Annotated[str, *scalar(to_currency, TEXT, "a currency code", {"type": "string", "pattern": "^[A-Z]{3}$"})]
FreeMap = Annotated[
    dict[str, Any],
    *scalar(to_free_map, RecordType("attributes", {}, open=True), "a map", {"type": "object"}),
]
TextMap = Annotated[
    dict[str, str],
    *scalar(to_text_map, RecordType("labels", {}, open=True), "a map of text", {"type": "object"}),
]


def OneOf(*options: str) -> Any:
    """Text restricted to `options` (`status: OneOf("draft", "proposed", "approved")`)."""
    return Annotated[str, *scalar(one_of(*options), TEXT, "one of " + ", ".join(options), {"enum": list(options)})]


def Const(name: str) -> Any:
    """The `kind` field of a document: exactly `name`."""
    return Annotated[str, *scalar(one_of(name), TEXT, f"`{name}`", {"const": name})]
