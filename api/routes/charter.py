"""`/v1/charter`: the governance charter every decision is made in the context of."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from api import publishing
from api.auth import CharterReader, CharterWriter
from api.errors import ApiError
from api.routes.deps import Service, responses
from api.storage import repository
from api.wire import CharterStored, CharterView

router = APIRouter(prefix="/v1/charter", tags=["charter"])


@router.put("", status_code=201, response_model=CharterStored, responses=responses(401, 403, 409, 413, 422))
def put_charter(
    document: Annotated[dict[str, Any], Body(description="a `kind: charter` document, as JSON")],
    principal: CharterWriter,
    service: Service,
) -> CharterStored:
    """Validate a charter and make it the one in force; 422 with every problem and its pointer."""
    record = publishing.put_charter(service, principal, document)
    return CharterStored(id=record.charter_id, version=record.version)


@router.get("", response_model=CharterView, responses=responses(401, 403, 404))
def get_charter(_principal: CharterReader, service: Service) -> CharterView:
    """The charter in force, with who uploaded it and when."""
    with service.database.reading() as session:
        record = repository.current_charter(session)
    if record is None:
        raise ApiError(404, "charter/none", "no charter has been uploaded yet: PUT one to /v1/charter")
    return publishing.charter_view(record)
