"""The base of every document record, and the records several kinds share.

Every record forbids unknown fields (a typo must not pass silently) and carries `attributes`,
a free map for company-specific data. `__record_name__` is the name of the record's checker
type (`component`, `budget_line`, …); `__key__` names the field that must be unique among the
records of one list (duplicate ids are errors). `record_checks` holds rules that relate two
fields of one record (an item has a `name` or a `text`; a period does not end before it
starts); they run on the prepared data so that they report alongside type errors.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from policy.documents.scalars import Date, FreeMap, OneOf, Person, Text, to_date

Problem = tuple[str, str, str, str | None]
"""A record-level problem: (field name, code, message, help)."""

RecordCheck = Callable[[Mapping[str, Any]], list[Problem]]
"""A rule over one record's prepared data, reading the record's own fields.

The fast path (`fast_path.py`) hands it the record with only its own fields prepared (numbers
as `Decimal`); a check that looked deeper would see raw values there.
"""


class Record(BaseModel):
    """A strict record: unknown fields are errors; `attributes` holds free-form extras."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)

    __record_name__: ClassVar[str] = "record"
    __key__: ClassVar[str | None] = None
    record_checks: ClassVar[tuple[RecordCheck, ...]] = ()

    attributes: FreeMap = Field(default_factory=dict)


def _quiet_date(value: Any) -> dt.date | None:
    """A date if `value` is one, else None (its own type error is reported elsewhere)."""
    try:
        return to_date(value)
    except PydanticCustomError:
        return None


def ordered_dates(start: str, end: str) -> RecordCheck:
    """A check that `end` is not before `start`."""

    def check(data: Mapping[str, Any]) -> list[Problem]:
        first, last = _quiet_date(data.get(start)), _quiet_date(data.get(end))
        if first is None or last is None or last >= first:
            return []
        message = f"expected `{end}` on or after `{start}` ({first.isoformat()}), found {last.isoformat()}"
        return [(end, "document/invalid-value", message, None)]

    return check


class Approval(Record):
    """One sign-off; the same shape in every kind."""

    __record_name__ = "approval"

    role: Text
    approver: Person
    decision: OneOf("approved", "rejected", "pending")
    at: Date | None = None


class Effective(Record):
    """The period a plan or charter is in force."""

    __record_name__ = "effective"
    record_checks = (ordered_dates("start", "end"),)

    start: Date
    end: Date
