"""`/v1/policy-sets`: publish, list, read and activate versions of the rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api import publishing
from api.auth import Author, PolicyReader
from api.errors import ApiError
from api.routes.deps import Service, responses
from api.storage import repository
from api.wire import PolicySetCreate, PolicySetDetail, PolicySetList, PolicySetSummary

router = APIRouter(prefix="/v1/policy-sets", tags=["policy sets"])
Version = Annotated[int, Path(ge=1, le=2**31 - 1, description="a policy set's `version`")]


@router.post("", status_code=201, response_model=PolicySetSummary, responses=responses(401, 403, 413, 422))
def publish(body: PolicySetCreate, principal: Author, service: Service) -> PolicySetSummary:
    """Check and store a policy set; 422 with every diagnostic when it does not check.

    Publishing content that is already stored returns its existing version.
    """
    return publishing.publish_policy_set(service, principal, body)


@router.get("", response_model=PolicySetList, responses=responses(401, 403))
def list_policy_sets(_principal: PolicyReader, service: Service) -> PolicySetList:
    """Every published version, newest first, and which one is active."""
    with service.database.reading() as session:
        active = repository.active_policy_set_version(session)
        records = repository.list_policy_sets(session)
    return PolicySetList(items=[publishing.summary(r, active) for r in records], active_version=active)


@router.get("/{version}", response_model=PolicySetDetail, responses=responses(401, 403, 404, 422))
def get_policy_set(version: Version, _principal: PolicyReader, service: Service) -> PolicySetDetail:
    """One version with its sources."""
    with service.database.reading() as session:
        record = repository.get_policy_set(session, version)
        active = repository.active_policy_set_version(session)
    if record is None:
        raise ApiError(404, "policy-set/not-found", f"there is no policy set version {version}")
    return publishing.detail(record, active)


@router.post("/{version}/activate", response_model=PolicySetSummary, responses=responses(401, 403, 404, 422))
def activate(version: Version, principal: Author, service: Service) -> PolicySetSummary:
    """Make a version the one new decisions are made with."""
    return publishing.activate_policy_set(service, principal, version)
