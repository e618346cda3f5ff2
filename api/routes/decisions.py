"""`/v1/decisions`: submit documents, read the log, grant overrides."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import ValidationError

from api import decisions
from api.auth import Action, Approver, DecisionReader, Principal, Submitter, submitter
from api.errors import ApiError, RequestProblem, request_diagnostic
from api.routes.deps import Service, responses
from api.routes.fast_path import fast_path_route
from api.storage import decision_log
from api.storage.decision_log import DecisionFilters
from api.wire import DecisionCreate, DecisionPage, DecisionRecord, OverrideCreate

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

DecisionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="a decision's `id`")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="retrying with the same key returns the first answer"),
]


def _send(outcome: decisions.Outcome) -> Response:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return Response(outcome.body, status_code=outcome.status, media_type="application/json", headers=headers)


async def _plain_submission(request: Request) -> dict[str, Any] | None:
    """`submit`'s arguments for a JSON body that parses and validates; None for anything else.

    What FastAPI would pass, checked in FastAPI's order (see `api.routes.fast_path`): the body
    parsed (orjson reads no JSON differently from `json`, and refuses what only `json` reads:
    big integers, NaN, lone surrogates, a byte order mark); the caller authenticated by the same
    dependency; the body validated as `DecisionCreate`; the `Idempotency-Key` header.
    """
    if request.headers.get("content-type") != "application/json":
        return None
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    principal = await submitter(request)
    try:
        body = DecisionCreate.model_validate(data)
    except ValidationError:
        return None
    return {
        "body": body,
        "principal": principal,
        "service": request.app.state.service,
        "idempotency_key": request.headers.get("idempotency-key"),
    }


async def submit(
    body: DecisionCreate, principal: Submitter, service: Service, idempotency_key: IdempotencyKey = None
) -> Response:
    """Decide on one document with the active policy set and charter, and record the decision.

    An invalid document is a 422 listing every problem with its JSON Pointer. With
    `dry_run: true` the decision is returned (200) but not recorded.
    """
    # async only to hand the evaluation to the service's threads cheaply (api.offload)
    return _send(await decisions.submit_decision(service, principal, body, idempotency_key))


router.add_api_route(  # `router.post` with a route class of its own
    "",
    submit,
    methods=["POST"],
    status_code=201,
    response_model=DecisionRecord,
    responses={200: {"description": "dry run: evaluated, not recorded"}, **responses(401, 403, 409, 413, 422)},
    route_class_override=fast_path_route(_plain_submission),
)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Query times without a zone are UTC, like every stored time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@router.get("", response_model=DecisionPage, responses=responses(401, 403, 422))
def list_decisions(
    principal: DecisionReader,
    service: Service,
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    verdict: Literal["pass", "warn", "block"] | None = None,
    policy: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_.]{1,200}$", description="decisions with a finding from this policy")
    ] = None,
    since: Annotated[dt.datetime | None, Query(description="recorded at or after (ISO 8601; UTC if no zone)")] = None,
    until: Annotated[dt.datetime | None, Query(description="recorded before (ISO 8601; UTC if no zone)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description="`next_cursor` of the previous page")] = None,
) -> Response:
    """The decision log, newest first, one page at a time. Submitters see only their own."""
    before = _decode(cursor) if cursor else None
    own_only = not principal.can(Action.READ_DECISIONS)
    filters = DecisionFilters(kind, verdict, policy, _utc(since), _utc(until), principal.email if own_only else None)
    with service.database.reading() as session:
        page, next_seq = decision_log.list_page(session, filters, limit=limit, before_seq=before)
    next_cursor = json.dumps(decision_log.encode_cursor(next_seq) if next_seq is not None else None)
    items = b",".join(entry.response_json() for entry in page)
    return Response(
        b'{"items":[' + items + b'],"next_cursor":' + next_cursor.encode() + b"}", media_type="application/json"
    )


def _decode(cursor: str) -> int:
    try:
        return decision_log.decode_cursor(cursor)
    except ValueError as error:
        problem = request_diagnostic(
            "request/invalid-cursor",
            str(error),
            location="query",
            pointer="/cursor",
            help="pass `next_cursor` as given",
        )
        raise RequestProblem([problem]) from None


@router.get("/{decision_id}", response_model=DecisionRecord, responses=responses(401, 403, 404))
def get_decision(decision_id: DecisionId, principal: DecisionReader, service: Service) -> Response:
    """One recorded decision, exactly as it was recorded."""
    with service.database.reading() as session:
        entry = decision_log.get(session, decision_id)
    if entry is None:
        raise ApiError(404, "decision/not-found", f"there is no decision `{decision_id}`")
    _check_may_read(principal, entry.record()["submitted_by"])
    return Response(entry.response_json(), media_type="application/json")


def _check_may_read(principal: Principal, submitted_by: str) -> None:
    if principal.can(Action.READ_DECISIONS) or submitted_by == principal.email:
        return
    raise ApiError(403, "auth/forbidden", f"role `{principal.role}` may read only the decisions it submitted")


@router.post(
    "/{decision_id}/overrides",
    status_code=201,
    response_model=DecisionRecord,
    responses=responses(401, 403, 404, 409, 422),
)
def grant_override(
    decision_id: DecisionId,
    body: OverrideCreate,
    principal: Approver,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Override one soft finding as the caller; 201 with the re-derived decision (a new record).

    403 with the reason when the caller is not among the finding's `override_by`, wrote,
    requested or submitted the document, or the finding is hard or advisory; 404 when the
    decision or the finding does not exist; 409 when the finding is already overridden.
    """
    return _send(decisions.grant_override(service, principal, decision_id, body, idempotency_key))
