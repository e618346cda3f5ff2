"""`comp_plan`: a compensation plan for one role (DOCUMENTS.md).

Required or not: what DOCUMENTS.md marks optional (`?`, "optional") may be left out and is then
`none` — `role.level`, `quota`, a component's `threshold` and `cap`, a tier's `to`,
`plan_cap`, `deal_cap`. Everything else an ICM tool needs to pay someone is required: the
money (`ote`, `base_salary`, `target_variable`), `pay_mix`, `clawback`, `crediting`,
`acknowledgment_required` and `author`. A plan has at least one component and every component
a rate table of at least one tier. Lists that only record what happened (`spifs`,
`approvals`, `change_log`, `work_states`, `triggers`, `fields`) may be left out and are then
empty, so `count(plan.approvals)` is 0 rather than an error.
"""

from typing import Annotated

from pydantic import Field

from policy.documents.records import Approval, Effective, Record, ordered_dates
from policy.documents.scalars import (
    Bool,
    Const,
    Currency,
    Date,
    Id,
    MoneyAmount,
    Number,
    OneOf,
    Percent,
    Person,
    Text,
)


class Role(Record):
    """The role the plan pays."""

    __record_name__ = "role"

    code: Text
    title: Text
    function: Text
    level: Text | None = None
    work_states: list[Text] = Field(default_factory=list)


class PayMix(Record):
    """The split of on-target earnings between base and variable."""

    __record_name__ = "pay_mix"

    base: Percent
    variable: Percent


class Quota(Record):
    """The quota the variable pay is measured against."""

    __record_name__ = "quota"

    kpi: Text
    amount: MoneyAmount
    period: Text


class RateTier(Record):
    """One row of a payout curve: attainment from..to pays at `multiplier`."""

    __record_name__ = "rate_tier"

    from_: Percent = Field(alias="from")
    to: Percent | None = None
    multiplier: Number


class Component(Record):
    """One measure of the plan and how it pays."""

    __record_name__ = "component"
    __key__ = "id"

    id: Id
    name: Text
    kpi: Text
    scope: OneOf("individual", "team_shared", "company")
    weight: Percent
    threshold: Percent | None = None
    cap: Percent | None = None
    rate_table: Annotated[list[RateTier], Field(min_length=1)]


class DealCap(Record):
    """The largest deal credited in full, and what happens above it."""

    __record_name__ = "deal_cap"

    amount: MoneyAmount
    treatment: Text


class Spif(Record):
    """A short-term incentive on top of the plan."""

    __record_name__ = "spif"
    __key__ = "id"
    record_checks = (ordered_dates("start", "end"),)

    id: Id
    start: Date
    end: Date
    budget: MoneyAmount
    max_per_rep: MoneyAmount
    kpi: Text
    approved_by: Person


class Clawback(Record):
    """Whether and when paid commission is recovered."""

    __record_name__ = "clawback"

    enabled: Bool
    window_days: Number
    triggers: list[Text] = Field(default_factory=list)


class Crediting(Record):
    """What a deal is credited on, and when."""

    __record_name__ = "crediting"

    basis: Text
    event: Text


class Change(Record):
    """One entry of the plan's change log."""

    __record_name__ = "change"

    version: Text
    date: Date
    effective: Date
    fields: list[Text] = Field(default_factory=list)
    retroactive: Bool
    approver: Person


class CompPlan(Record):
    """A compensation plan for one role."""

    __record_name__ = "comp_plan"

    kind: Const("comp_plan")
    id: Id
    version: Text
    fiscal_year: Text
    effective: Effective
    role: Role
    currency: Currency
    ote: MoneyAmount
    base_salary: MoneyAmount
    target_variable: MoneyAmount
    pay_mix: PayMix
    quota: Quota | None = None
    components: Annotated[list[Component], Field(min_length=1)]
    plan_cap: Percent | None = None
    deal_cap: DealCap | None = None
    spifs: list[Spif] = Field(default_factory=list)
    clawback: Clawback
    crediting: Crediting
    acknowledgment_required: Bool
    author: Person
    approvals: list[Approval] = Field(default_factory=list)
    change_log: list[Change] = Field(default_factory=list)
