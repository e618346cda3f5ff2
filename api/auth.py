"""Who may do what: API keys, roles, and the FastAPI dependencies that enforce them.

A key is sent as `Authorization: Bearer rvg_…`; only its sha256 is stored. The key's e-mail is
the identity used everywhere else: as `submitted_by`, as the override approver, and for
segregation of duties. Each route declares the one action it performs; the role table below is
the whole access policy, and tests/api/test_access.py checks every cell of it.

Keys are read from the database on every request, except for submissions, the one route that
runs at volume: there a worker remembers the keys it has seen (`authenticate_cached`), and the
group committer confirms under the append lock that the key is still not revoked before the
decision is recorded; dry runs and Idempotency-Key replays, which record nothing, read the key
again first (`api.decisions`). A key's e-mail and role never change, only its revocation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.roles import Role
from api.storage import repository
from api.storage.db import Database
from api.storage.repository import ApiKey, token_sha256


class Action(StrEnum):
    """What a route does, in the words used in refusals (`role `x` may not <action>`)."""

    PUBLISH_POLICIES = "publish or activate policy sets"
    READ_POLICIES = "read policy sets"
    WRITE_CHARTER = "update the charter"
    READ_CHARTER = "read the charter"
    SUBMIT = "submit documents"
    READ_DECISIONS = "read decisions"
    READ_OWN_DECISIONS = "read the decisions it submitted"
    GRANT_OVERRIDES = "grant overrides"
    VERIFY_AUDIT = "verify the decision log"


_READS = {Action.READ_POLICIES, Action.READ_CHARTER}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.AUTHOR: frozenset({Action.PUBLISH_POLICIES, Action.WRITE_CHARTER, *_READS}),
    Role.SUBMITTER: frozenset({Action.SUBMIT, Action.READ_OWN_DECISIONS, *_READS}),
    Role.APPROVER: frozenset({Action.GRANT_OVERRIDES, Action.READ_DECISIONS, *_READS}),
    Role.AUDITOR: frozenset({Action.READ_DECISIONS, Action.VERIFY_AUDIT, *_READS}),
}
"""The access policy. Policies and the charter are readable by every role on purpose: people
subject to rules should be able to read them. Decisions hold pay and budget data, so submitters
see only their own."""

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="revgate"'}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    key_id: str
    email: str
    role: Role
    cached: bool = False
    """Authenticated from the worker's key cache: anything it does must confirm the key is
    still not revoked (under the append lock, or by reading it again)."""

    def can(self, action: Action) -> bool:
        return action in ROLE_ACTIONS[self.role]


def roles_allowed(action: Action) -> list[str]:
    """The roles that may perform an action, for refusal messages and docs."""
    return [role.value for role in Role if action in ROLE_ACTIONS[role]]


def _unauthorized(code: str, reason: str) -> ApiError:
    return ApiError(401, code, reason, _CHALLENGE)


def _bearer_token(request: Request) -> str:
    """The token of the Authorization header; 401 when there is none or it is not Bearer."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("auth/missing-key", "no API key: send `Authorization: Bearer <key>`")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("auth/bad-scheme", "the Authorization header must be `Bearer <key>`")
    return token


def _find_key(database: Database, token: str) -> ApiKey | None:
    with database.connection() as connection:
        return repository.find_key(connection, token)


def _principal(key: ApiKey | None) -> Principal:
    """The caller a stored key names; 401 when there is no such key or it was revoked."""
    if key is None:
        raise _unauthorized(
            "auth/unknown-key",
            "the API key is not valid: this service's database has no such key (keys are made with "
            "`rev keys create` against the same REVGATE_DATABASE_URL as the service, by default "
            "./.revgate/revgate.db in the folder `rev serve` started in)",
        )
    if not key.active:
        raise revoked(key.id)
    return Principal(key.id, key.email, Role(key.role))


def revoked(key_id: str) -> ApiError:
    """The 401 for a key that was revoked (also when found out only at the append)."""
    return _unauthorized("auth/revoked-key", f"the API key `{key_id}` was revoked")


def authenticate(request: Request) -> Principal:
    """The caller of this request, from its bearer token; 401 with the reason otherwise."""
    token = _bearer_token(request)
    return _principal(_find_key(request.app.state.service.database, token))


async def authenticate_cached(request: Request) -> Principal:
    """Like `authenticate`, from the worker's cache of keys seen before when it can.

    Async, so that a key already seen costs neither a query nor a thread hop; unknown and
    revoked keys are never cached, so they are read (and refused) every time.
    """
    token = _bearer_token(request)
    service = request.app.state.service
    digest = token_sha256(token)
    known = service.known_keys.get(digest)
    if known is not None:
        return known
    principal = _principal(await run_in_threadpool(_find_key, service.database, token))
    service.known_keys.put(digest, dataclasses.replace(principal, cached=True))
    return principal


def require(*actions: Action, cached: bool = False) -> Callable[..., Principal]:
    """A dependency that authenticates (from the key cache if `cached`) and allows callers whose
    role has any of `actions`.

    One dependency that calls the authentication itself, rather than one that depends on
    another: FastAPI solves each level of a dependency tree on every request, and this one
    guards every route. Async, so that a key found in the cache costs no thread hop; reading
    a key from the database runs in the thread pool.
    """

    def allow(principal: Principal) -> Principal:
        if any(principal.can(action) for action in actions):
            return principal
        allowed = sorted({role for action in actions for role in roles_allowed(action)})
        raise ApiError(
            403,
            "auth/forbidden",
            f"role `{principal.role}` may not {actions[0]}; allowed roles: {', '.join(allowed)}",
        )

    async def dependency(request: Request) -> Principal:
        return allow(await run_in_threadpool(authenticate, request))

    async def dependency_from_cache(request: Request) -> Principal:
        return allow(await authenticate_cached(request))

    return dependency_from_cache if cached else dependency


Author = Annotated[Principal, Depends(require(Action.PUBLISH_POLICIES))]
CharterWriter = Annotated[Principal, Depends(require(Action.WRITE_CHARTER))]
PolicyReader = Annotated[Principal, Depends(require(Action.READ_POLICIES))]
CharterReader = Annotated[Principal, Depends(require(Action.READ_CHARTER))]
submitter = require(Action.SUBMIT, cached=True)
"""The submission route's access check (also called directly by its fast path, api.routes.decisions)."""
Submitter = Annotated[Principal, Depends(submitter)]
DecisionReader = Annotated[Principal, Depends(require(Action.READ_DECISIONS, Action.READ_OWN_DECISIONS))]
Approver = Annotated[Principal, Depends(require(Action.GRANT_OVERRIDES))]
Auditor = Annotated[Principal, Depends(require(Action.VERIFY_AUDIT))]
