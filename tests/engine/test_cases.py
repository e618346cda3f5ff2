"""Engine semantics as data: each `cases/*.yaml` holds policies, a document and the decision.

A case names a base document (`cases/documents/*.yaml`) and a JSON Merge Patch for it, so each
case states only what it is about. Expected: the verdict, per-policy outcomes, and findings
matched on policy, path and outcome (plus `code`, `message`, `override_by`, `overridden_by`
and `values` where the case gives them). `overrides` and `submitted_by` exercise §9.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import Override, compile_policy_set
from policy.documents import apply_merge_patch, load_document, parse_document

CASES = Path(__file__).parent / "cases"
DOCUMENTS = CASES / "documents"


def _cases() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text()):
            params.append(pytest.param(case, id=f"{file.stem}:{case['name']}"))
    return params


def _document(spec: dict[str, Any]) -> Any:
    base = yaml.safe_load((DOCUMENTS / f"{spec['base']}.yaml").read_text())
    data = apply_merge_patch(base, spec.get("patch") or {})
    return parse_document(data, f"{spec['base']}.yaml")


def _overrides(items: list[dict[str, Any]]) -> list[Override]:
    return [
        Override(
            o["policy"],
            o.get("path", ""),
            o["approver"],
            o.get("justification", "because"),
            o.get("expires"),
            o.get("document"),
        )
        for o in items
    ]


def _matches(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, want in expected.items():
        got = actual.get(key)
        if key == "override_by" and want is not None:
            want = sorted([want] if isinstance(want, str) else want)
        if key == "values":
            if any(got.get(k) != v for k, v in want.items()):
                return False
        elif got != want:
            return False
    return True


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    policy_set = compile_policy_set(case["policies"])
    charter = load_document(DOCUMENTS / case.get("charter", "charter.yaml")) if case.get("charter", True) else None
    document = _document(case["document"])
    date = case.get("date", dt.date(2026, 7, 15))
    decision = policy_set.evaluate(
        document,
        charter=charter,
        date=date,
        overrides=_overrides(case.get("overrides", [])),
        submitted_by=case.get("submitted_by"),
        max_steps=case.get("max_steps", 1_000_000),
    )
    result = decision.to_json()
    if "verdict" in case:
        assert result["verdict"] == case["verdict"], result["findings"]
    for policy, outcome in (case.get("outcomes") or {}).items():
        assert result["policies"].get(policy) == outcome, (policy, result["policies"], result["findings"])
    if "findings" in case:
        remaining = list(result["findings"])
        for expected in case["findings"]:
            found = next((f for f in remaining if _matches(f, expected)), None)
            assert found is not None, (expected, result["findings"])
            remaining.remove(found)
        assert not remaining, f"unexpected findings: {remaining}"
    for note in case.get("override_notes", []):
        assert any(_matches(n, note) for n in result["overrides"]), (note, result["overrides"])
