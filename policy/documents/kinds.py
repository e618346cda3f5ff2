"""The registry of document kinds: name, model and checker record type of each."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from policy.documents.budget import Budget
from policy.documents.charter import Charter, CharterPerson, Kpi
from policy.documents.comp_plan import CompPlan
from policy.documents.record_types import record_type
from policy.documents.review_template import ReviewTemplate
from policy.types import RecordType


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document: what `on KIND as x` names, validated by `model`, typed `record_type`."""

    name: str
    model: type[BaseModel]
    record_type: RecordType


KINDS: dict[str, DocumentKind] = {
    model.__record_name__: DocumentKind(model.__record_name__, model, record_type(model))
    for model in (CompPlan, Budget, ReviewTemplate, Charter)
}

CHARTER_KPI_TYPE: RecordType = record_type(Kpi)
"""What `kpi(ID)` returns (or `none`)."""

CHARTER_PERSON_TYPE: RecordType = record_type(CharterPerson)
"""What `person(EMAIL)` returns (or `none`)."""
