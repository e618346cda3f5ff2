"""`budget`: a budget proposal with its reallocations (DOCUMENTS.md).

Required or not: the budget's own fields (`id`, `fiscal_year`, `period`, `status`, `currency`,
`author`) and at least one line are required, as an FP&A tool would refuse a proposal without
them. Every line field is required except `kpis` (empty when left out). A shift needs what an
approver reads — source and target line, amount, whether it recurs, the headcount it moves, who
asked and when, why, and the KPI that decides it; `guardrail_kpi` and `expected_impact` are
optional (`none`), `approvals` empty when left out.

`from_line` and `to_line` must name lines of the same budget; the value tree then also
carries the line records themselves under `from` and `to` (see `Ref`).
"""

from typing import Annotated

from pydantic import Field

from policy.documents.records import Approval, Record
from policy.documents.scalars import (
    Bool,
    Const,
    Currency,
    Date,
    Id,
    MoneyAmount,
    Number,
    OneOf,
    Person,
    Ref,
    Text,
)


class BudgetLine(Record):
    """One line of the budget: a cost center's spend on one category."""

    __record_name__ = "budget_line"
    __key__ = "id"

    id: Id
    cost_center: Text
    function: Text
    category: OneOf("personnel", "program", "tooling", "capital")
    owner: Person
    amount: MoneyAmount
    headcount: Number
    kpis: list[Text] = Field(default_factory=list)


class ExpectedImpact(Record):
    """What the requester expects a shift to move, by how much, by when."""

    __record_name__ = "expected_impact"

    kpi: Text
    delta: Number
    by: Date


class Shift(Record):
    """A reallocation of money (and maybe headcount) from one line to another."""

    __record_name__ = "shift"
    __key__ = "id"

    id: Id
    from_line: Annotated[Id, Ref("lines", BudgetLine, expose="from")]
    to_line: Annotated[Id, Ref("lines", BudgetLine, expose="to")]
    amount: MoneyAmount
    recurring: Bool
    headcount_delta: Number
    requested_by: Person
    requested_at: Date
    justification: Text
    decision_kpi: Text
    guardrail_kpi: Text | None = None
    expected_impact: ExpectedImpact | None = None
    approvals: list[Approval] = Field(default_factory=list)


class Budget(Record):
    """A budget proposal: its lines and the shifts between them."""

    __record_name__ = "budget"

    kind: Const("budget")
    id: Id
    fiscal_year: Text
    period: Text
    status: OneOf("draft", "proposed", "approved")
    currency: Currency
    author: Person
    lines: Annotated[list[BudgetLine], Field(min_length=1)]
    shifts: list[Shift] = Field(default_factory=list)
