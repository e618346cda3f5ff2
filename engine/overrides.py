"""Overrides (LANGUAGE.md §9): who may lift a soft finding, and the record of every attempt.

An override is valid only while unexpired, when its approver is among the finding's
`override_by`, and when the approver neither authored, requested nor submitted the document
(segregation of duties). A covered finding stays in the decision with `overridden_by` set; an
override that matches nothing, has expired, or is refused is reported, never silently used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.decision import Decision, Finding, OverrideNote

OWNER_KINDS = frozenset({"review_template"})
"""Kinds whose `owner` is their author (a review template is owned by the HR partner who wrote it)."""


@dataclass(frozen=True, slots=True)
class Override:
    """A request to lift one soft finding: which policy, at which path, by whom, why, until when."""

    policy: str
    path: str
    approver: str
    justification: str
    expires: dt.date | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class OverrideRefusal:
    """Why an override cannot be granted: `not_found` (no such finding) or `forbidden`."""

    status: str
    reason: str


def document_parties(kind: str, value: Mapping[str, Any]) -> frozenset[str]:
    """Who authored the document as a whole."""
    people = {value.get("author")}
    if kind in OWNER_KINDS:
        people.add(value.get("owner"))
    return frozenset(p for p in people if isinstance(p, str))


def refusal_reason(decision: Decision, finding: Finding, approver: str, submitted_by: str | None) -> str | None:
    """Why `approver` may not override `finding`, or None when they may."""
    if finding.enforcement == "hard":
        return f"`{finding.policy}` is enforced hard: its findings can never be overridden"
    if finding.enforcement == "advisory":
        return f"`{finding.policy}` is advisory: its findings never block, so there is nothing to override"
    allowed = finding.override_by or []
    who_approves = approver.casefold()  # e-mail addresses compare without case
    if who_approves not in {a.casefold() for a in allowed}:
        who = ", ".join(allowed) if allowed else "nobody (the policy names no approver here)"
        return f"{approver} may not override `{finding.policy}` here; the decision right belongs to {who}"
    # The document's author, and whoever requested a record around the check (`Finding.parties`).
    parties = {p.casefold() for p in document_parties(decision.kind, decision.value or {})} | finding.parties
    if who_approves in parties:
        return f"segregation of duties: {approver} authored or requested this document"
    if submitted_by is not None and who_approves == submitted_by.casefold():
        return f"segregation of duties: {approver} submitted this document"
    return None


def applies_to(override: Override, decision: Decision) -> bool:
    """Whether an override is addressed to this document (no `document` means any)."""
    return override.document is None or override.document in (decision.id, decision.document)


def apply_overrides(decision: Decision, overrides: Iterable[Override], submitted_by: str | None) -> None:
    """Mark covered findings and record what became of every override addressed to this document."""
    for override in overrides:
        if not applies_to(override, decision):
            continue
        matches = [f for f in decision.findings if f.policy == override.policy and f.path == override.path]
        note = OverrideNote(override.policy, override.path, override.approver, "applied")
        if not matches:
            if override.document is None:
                continue  # addressed to no document in particular: the caller reports it if it matched none
            note.status, note.reason = "unmatched", "no finding of that policy at that path"
        elif override.expires is not None and override.expires < decision.date:
            note.status, note.reason = "expired", f"expired on {override.expires.isoformat()}"
        else:
            for finding in matches:
                reason = refusal_reason(decision, finding, override.approver, submitted_by)
                if reason is not None:
                    note.status, note.reason = "refused", reason
                    break
            else:
                for finding in matches:
                    finding.overridden_by = override.approver
        decision.overrides.append(note)


def override_refusal(decision: Decision, override: Override, submitted_by: str | None) -> OverrideRefusal | None:
    """Whether a new override may be granted on a stored decision (the service's 404/403 rules)."""
    matches = [f for f in decision.findings if f.policy == override.policy and f.path == override.path]
    if not matches:
        return OverrideRefusal("not_found", f"no finding of `{override.policy}` at path `{override.path}`")
    if override.expires is not None and override.expires < decision.date:
        return OverrideRefusal(
            "forbidden",
            f"the override expires on {override.expires.isoformat()}, "
            f"before the decision date {decision.date.isoformat()}",
        )
    for finding in matches:
        reason = refusal_reason(decision, finding, override.approver, submitted_by)
        if reason is not None:
            return OverrideRefusal("forbidden", reason)
    return None
