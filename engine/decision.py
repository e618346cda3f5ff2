"""Decisions and findings: what evaluating one document gives, and its JSON form.

The JSON form is the same from `rev check --format json` and from the HTTP API, so a finance
tool, a CI job and an auditor read one shape (LANGUAGE.md §8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from policy.values import to_json_value

OUTCOMES = ("fail", "error")
PARTY_FIELDS = ("author", "requested_by")
"""Fields that name who wrote or asked for a document or one of its records."""
VERDICTS = ("pass", "warn", "block")


@dataclass(slots=True)
class Finding:
    """One failing or erroring check instance, with everything needed to act on it."""

    policy: str
    title: str
    outcome: str  # fail | error
    enforcement: str  # hard | soft | advisory
    message: str
    path: str
    values: dict[str, Any]
    source: dict[str, Any]
    override_by: list[str] | None
    overridden_by: str | None = None
    code: str | None = None
    """For an `error` outcome, the stable code of what went wrong (`eval/none`, …)."""
    scope: tuple[Any, ...] = ()
    """The values in scope at the check (the document and every `for each` item around it);
    kept so `parties` can be worked out when an override asks, not on the hot path."""

    @property
    def parties(self) -> frozenset[str]:
        """Who requested or authored the records the check was about, for segregation of duties."""
        found = set()
        for value in self.scope:
            if isinstance(value, dict):
                for name in PARTY_FIELDS:
                    person = value.get(name)
                    if isinstance(person, str):
                        found.add(person.casefold())
        return frozenset(found)

    @property
    def blocks(self) -> bool:
        """Whether this finding alone blocks the document (§8)."""
        if self.enforcement == "hard":
            return True
        if self.enforcement == "soft":
            return self.overridden_by is None
        return False

    def to_json(self) -> dict[str, Any]:
        data = {
            "policy": self.policy,
            "title": self.title,
            "outcome": self.outcome,
            "enforcement": self.enforcement,
            "message": self.message,
            "path": self.path,
            "values": {k: to_json_value(v) for k, v in self.values.items()},
            "source": dict(self.source),
            "override_by": self.override_by,
            "overridden_by": self.overridden_by,
        }
        if self.code is not None:
            data["code"] = self.code
        return data


def unexplained(
    policy: str, title: str, enforcement: str, path: str, source: dict[str, Any], problem: Exception
) -> Finding:
    """The finding of a check that failed and could not be explained (a step-budget overrun
    or an engine bug while explaining): an `error` that still blocks — fail closed."""
    detail = getattr(problem, "message", None) or problem
    return Finding(
        policy=policy,
        title=title,
        outcome="error",
        enforcement=enforcement,
        message=f"the check failed and could not be explained: {detail}",
        path=path,
        values={},
        source=source,
        override_by=None,
        code=getattr(problem, "code", "eval/internal"),
    )


@dataclass
class OverrideNote:
    """What became of one override that was offered: applied, or why not."""

    policy: str
    path: str
    approver: str
    status: str  # applied | expired | unmatched | refused
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "path": self.path,
            "approver": self.approver,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Decision:
    """The decision on one document: verdict, findings, per-policy outcomes, overrides."""

    document: str
    kind: str
    id: str | None
    date: dt.date
    findings: list[Finding]
    policies: dict[str, str]
    policy_set_sha256: str
    charter_value: Any = field(default=None, repr=False)
    """The charter the decision was made with (its id and version go into the record)."""
    value: Any = field(default=None, repr=False)
    """The document's value tree, kept to find who authored or requested what (overrides)."""
    overrides: list[OverrideNote] = field(default_factory=list)

    @property
    def charter_ref(self) -> dict[str, Any] | None:
        """`{"id", "version"}` of the charter, or None."""
        if self.charter_value is None:
            return None
        return {"id": self.charter_value.get("id"), "version": self.charter_value.get("version")}

    @property
    def verdict(self) -> str:
        """`block` if any finding blocks; `warn` if any advisory failed or soft was overridden; else `pass`."""
        if any(f.blocks for f in self.findings):
            return "block"
        if self.findings:
            return "warn"
        return "pass"

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "kind": self.kind,
            "id": self.id,
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
            "policies": dict(self.policies),
            "overrides": [o.to_json() for o in self.overrides],
        }


def decision_envelope(results: list[Decision], policy_set: Any, charter: Any, date: dt.date) -> dict[str, Any]:
    """`{"results", "policy_set", "charter", "date"}`: the shape of `rev check --format json` and the API."""
    return {
        "results": [r.to_json() for r in results],
        "policy_set": {"sha256": policy_set.sha256, "policies": list(policy_set.policy_ids)},
        "charter": charter_reference(charter),
        "date": date.isoformat(),
    }


def charter_reference(charter: Any) -> dict[str, Any] | None:
    """`{"id", "version"}` of a loaded charter document, or None."""
    if charter is None:
        return None
    value = charter.value
    return {"id": value.get("id"), "version": value.get("version")}
