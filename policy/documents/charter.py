"""`charter`: the governance charter, the context of every evaluation (DOCUMENTS.md).

Required or not: what DOCUMENTS.md marks optional (`?`) is `none` when left out — a KPI's
`formula`, `source_system`, `target`, `cadence`; a decision right's `limit` and `recommend`; a
person's `manager` and `signature_limit`; a trade-off rule's `guardrail`. `currency` defaults
to USD (plain amounts such as signature limits are in it). `kpis` and `people` must be
present (they may be empty); `shared_kpis`, `bodies`, `tradeoff_rules` and the lists inside
records are empty when left out. References between charter entries (a cadence's forum, a
KPI's owner in `people`) are checked by policies, so that a bad one is a finding with a path.
"""

from pydantic import Field

from policy.documents.records import Effective, Record
from policy.documents.scalars import Const, Currency, Id, MoneyAmount, Number, OneOf, Person, Text


class Target(Record):
    """A KPI's target for a period."""

    __record_name__ = "target"

    value: Number
    period: Text


class DecisionRight(Record):
    """A decision the KPI's owner side may take, up to a limit, and who takes part."""

    __record_name__ = "decision_right"

    decision: Text
    limit: MoneyAmount | None = None
    decide: Person
    agree: list[Person] = Field(default_factory=list)
    recommend: Person | None = None


class Cadence(Record):
    """Where and how often the KPI is reviewed."""

    __record_name__ = "cadence"

    forum: Text
    frequency: OneOf("weekly", "monthly", "quarterly")


class Consequence(Record):
    """What happens on a miss, and to whom it escalates."""

    __record_name__ = "consequence"

    trigger: Text
    action: Text
    to: Person


class Kpi(Record):
    """A KPI of the registry, with its governance."""

    __record_name__ = "kpi"
    __key__ = "id"

    id: Id
    name: Text
    unit: Text
    definition: Text
    formula: Text | None = None
    source_system: Text | None = None
    owner: Person
    contributors: list[Person] = Field(default_factory=list)
    target: Target | None = None
    decision_rights: list[DecisionRight] = Field(default_factory=list)
    cadence: Cadence | None = None
    consequences: list[Consequence] = Field(default_factory=list)


class Body(Record):
    """A forum where decisions are made and reviewed."""

    __record_name__ = "body"
    __key__ = "id"

    id: Id
    name: Text
    chair: Person
    members: list[Person] = Field(default_factory=list)
    quorum: Number


class CharterPerson(Record):
    """A person of the org directory."""

    __record_name__ = "person"
    __key__ = "email"

    email: Person
    name: Text
    title: Text
    function: Text
    manager: Person | None = None
    signature_limit: MoneyAmount | None = None


class Guardrail(Record):
    """The KPI a trade-off must not push past `max`."""

    __record_name__ = "guardrail"

    kpi: Text
    max: Number


class TradeoffRule(Record):
    """Who decides a recurring trade-off, on which KPI, in which forum."""

    __record_name__ = "tradeoff_rule"
    __key__ = "id"

    id: Id
    question: Text
    decision_kpi: Text
    guardrail: Guardrail | None = None
    decide: Person
    forum: Text


class Charter(Record):
    """The governance charter."""

    __record_name__ = "charter"

    kind: Const("charter")
    id: Id
    version: Text
    currency: Currency = "USD"
    effective: Effective
    shared_kpis: list[Text] = Field(default_factory=list)
    kpis: list[Kpi]
    bodies: list[Body] = Field(default_factory=list)
    people: list[CharterPerson]
    tradeoff_rules: list[TradeoffRule] = Field(default_factory=list)
