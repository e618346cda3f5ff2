"""Wire schemas: the JSON the HTTP API accepts and returns, and nothing else.

Kept apart from document schemas (`policy.documents`, which validate comp plans, budgets and
charters) and from rows (`api.storage.rows`): a request carries a document as plain JSON and
the document loader, not these models, decides whether it is valid, with its own pointers.
Requests forbid unknown fields, so a misspelt `dry_rum` is a located 422, not silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _relative_path(name: str) -> str:
    """Policy file names are relative paths inside the set: no `.` or `..` segments."""
    if any(part in (".", "..") for part in name.split("/")):
        raise ValueError("a policy file name may not contain `.` or `..` segments")
    return name


PolicyFileName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\.rev$", max_length=255),
    AfterValidator(_relative_path),
]
"""A relative `.rev` path such as `budgeting.rev` or `tests/incentives_test.rev`."""


MIN_JUSTIFICATION = 20
"""An override's justification is what an auditor reads about the exception: "ok" says nothing.
Checked where overrides are written (this API and `rev check --overrides`); overrides recorded
before the rule existed are still honoured, so the engine does not check it."""

Justification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=MIN_JUSTIFICATION, max_length=4000)]
"""An override's reason, as the API and the `--overrides` file take it."""


class Request(BaseModel):
    """Base of request bodies: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class PolicySetCreate(Request):
    """`POST /v1/policy-sets`: the `.rev` sources of a set, by file name."""

    files: dict[PolicyFileName, Annotated[str, Field(max_length=1_000_000)]] = Field(min_length=1, max_length=500)
    activate: bool = False


class DecisionCreate(Request):
    """`POST /v1/decisions`: one document to decide on."""

    document: dict[str, Any] = Field(description="a comp_plan, budget, review_template or charter, as JSON")
    date: dt.date | None = Field(default=None, description="the evaluation date (default: today, UTC)")
    dry_run: bool = Field(default=False, description="evaluate without recording (200, no id)")


class OverrideCreate(Request):
    """`POST /v1/decisions/{id}/overrides`: the caller overrides one soft finding."""

    policy: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    path: Annotated[str, StringConstraints(pattern=r"^(/.*)?$", max_length=2000)] = Field(
        description="the finding's JSON Pointer (`` for the document itself)"
    )
    justification: Justification = Field(
        description=f"why the exception is acceptable, in at least {MIN_JUSTIFICATION} characters"
    )
    expires: dt.date = Field(description="last day the override is valid (required: every exception ends)")


class PolicySetSummary(BaseModel):
    version: int
    sha256: str
    policies: list[str]
    active: bool
    created_at: dt.datetime
    created_by: str


class PolicySetDetail(PolicySetSummary):
    files: dict[str, str]


class PolicySetList(BaseModel):
    items: list[PolicySetSummary]
    active_version: int | None


class CharterStored(BaseModel):
    id: str
    version: str


class CharterView(CharterStored):
    sha256: str
    created_at: dt.datetime
    created_by: str
    document: dict[str, Any]


class GrantedOverride(BaseModel):
    policy: str
    path: str
    approver: str
    justification: str
    expires: dt.date | None
    granted_at: str


class ChainLinks(BaseModel):
    prev_hash: str
    hash: str


class DecisionRecord(BaseModel):
    """A decision as recorded: the `rev check --format json` envelope for one document, plus
    who, when, under which versions, and where the record sits in the hash chain."""

    id: str | None
    sequence: int | None
    created_at: str | None
    dry_run: bool = False
    kind: str
    document_id: str | None
    verdict: Literal["pass", "warn", "block"]
    results: list[dict[str, Any]]
    policy_set: dict[str, Any]
    charter: dict[str, Any] | None
    date: str
    policy_set_version: int
    charter_version: str | None
    submitted_by: str
    recorded_by: str
    derived_from: str | None
    supersedes: str | None
    overrides: list[GrantedOverride]
    document: dict[str, Any]
    document_sha256: str
    chain: ChainLinks | None


class DecisionPage(BaseModel):
    items: list[DecisionRecord]
    next_cursor: str | None


class ChainHead(BaseModel):
    sequence: int
    hash: str


class ChainBreak(BaseModel):
    sequence: int
    id: str
    reason: str


class AuditReport(BaseModel):
    ok: bool
    checked: int
    head: ChainHead | None
    broken_at: ChainBreak | None


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    migration: str | None


class Refusal(BaseModel):
    code: str
    reason: str
    detail: str


class Diagnostics(BaseModel):
    diagnostics: list[dict[str, Any]]
