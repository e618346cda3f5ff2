"""`/v1/audit/verify`: does the decision log's hash chain still hold?"""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Auditor
from api.routes.deps import Service, responses
from api.storage import decision_log
from api.wire import AuditReport

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/verify", response_model=AuditReport, responses=responses(401, 403))
def verify(_principal: Auditor, service: Service) -> AuditReport:
    """Replay the whole chain; `ok: false` names the first entry that breaks it and why.

    Keep the returned `head` somewhere else: a later `verify` whose chain does not pass through
    that head means entries were removed from the end.
    """
    with service.database.reading() as session:
        report = decision_log.verify(session)
    return AuditReport.model_validate(report.to_json())
