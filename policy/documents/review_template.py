"""`review_template`: a performance-review template (DOCUMENTS.md).

Required or not: an HR system needs the whole template to run a cycle, so every record and
scalar is required; lists (`functions`, `levels`, `kpis`, `rated_by`, `items`, `approvals`)
and `labels` may be left out and are then empty. A template has at least one section. An item
is a rated competency (`name`) or a question (`text`): it needs one of the two, so both are
optional fields and a record check demands one.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from policy.documents.records import Approval, Problem, Record, ordered_dates
from policy.documents.scalars import Bool, Const, Date, Id, Number, OneOf, Percent, Person, Text, TextMap


class AppliesTo(Record):
    """Who the template is for."""

    __record_name__ = "applies_to"

    functions: list[Text] = Field(default_factory=list)
    levels: list[Text] = Field(default_factory=list)


class Cycle(Record):
    """When the reviews run."""

    __record_name__ = "cycle"
    record_checks = (ordered_dates("period_start", "period_end"),)

    type: Text
    period_start: Date
    period_end: Date


class RatingScale(Record):
    """The ratings reviewers give, and their labels (`"3": Meets`)."""

    __record_name__ = "rating_scale"

    min: Number
    max: Number
    labels: TextMap = Field(default_factory=dict)


class Peers(Record):
    """How many peers review, and whether one must come from the partner function."""

    __record_name__ = "peers"

    min: Number
    max: Number
    require_partner_function: Bool


class Reviewers(Record):
    """Who reviews."""

    __record_name__ = "reviewers"

    self_: Bool = Field(alias="self")
    manager: Bool
    peers: Peers
    upward: Bool
    calibration: Bool


def _name_or_text(data: Mapping[str, Any]) -> list[Problem]:
    """An item is a competency (`name`) or a question (`text`)."""
    if data.get("name") is None and data.get("text") is None:
        return [("name", "document/missing-field", "missing field `name` (or `text`) in item", None)]
    return []


class Item(Record):
    """A competency to rate or a question to answer."""

    __record_name__ = "item"
    __key__ = "id"
    record_checks = (_name_or_text,)

    id: Id
    name: Text | None = None
    text: Text | None = None


class Section(Record):
    """One section of the review form."""

    __record_name__ = "section"
    __key__ = "id"

    id: Id
    type: OneOf("goals", "shared_outcomes", "competencies", "questions", "overall")
    title: Text
    rated: Bool
    weight: Percent
    kpis: list[Text] = Field(default_factory=list)
    rated_by: list[Text] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)


class ReviewTemplate(Record):
    """A performance-review template."""

    __record_name__ = "review_template"

    kind: Const("review_template")
    id: Id
    version: Text
    owner: Person
    applies_to: AppliesTo
    cycle: Cycle
    rating_scale: RatingScale
    reviewers: Reviewers
    sections: Annotated[list[Section], Field(min_length=1)]
    approvals: list[Approval] = Field(default_factory=list)
