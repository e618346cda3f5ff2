"""An evaluation's context is reused between evaluations only while it is still right.

`PolicySet.evaluate` keeps one context per thread while the charter, date and step budget stay
the same, with the params it computed. A param that depends on the charter or the date must be
computed again as soon as either changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from engine import compile_policy_set
from policy.documents import apply_merge_patch, parse_document

DOCUMENTS = Path(__file__).parent / "cases" / "documents"
FILES = {
    "t.rev": """package t
param first_shared = charter.shared_kpis[0]
param year_end = today + 6 months
policy shared "The first shared KPI leads" {
  on comp_plan as plan
  require plan.components[0].kpi == first_shared else "leads with {plan.components[0].kpi}, not {first_shared}"
}
policy dated "The plan runs past the half year" {
  on comp_plan as plan
  require plan.effective.end >= year_end else "ends before {year_end}"
}
"""
}


def _load(name: str, patch: dict | None = None):
    data = yaml.safe_load((DOCUMENTS / f"{name}.yaml").read_text())
    return parse_document(apply_merge_patch(data, patch or {}), f"{name}.yaml")


def test_params_follow_the_charter_and_the_date() -> None:
    policy_set = compile_policy_set(FILES)
    plan = _load("plan")
    charter = _load("charter")
    other = _load("charter", {"shared_kpis": ["mql_count"], "version": "2"})
    early, late = dt.date(2026, 6, 1), dt.date(2026, 12, 1)

    def messages(charter_document, date):
        decision = policy_set.evaluate(plan, charter=charter_document, date=date)
        return sorted(f.message for f in decision.findings)

    assert messages(charter, early) == []
    assert messages(other, early) == ["leads with pipeline_created, not mql_count"]
    assert messages(charter, early) == []
    assert messages(charter, late) == ["ends before 2027-06-01"]
    assert messages(charter, early) == []
    assert policy_set.evaluate(plan, charter=charter, date=early, max_steps=1).policies == {
        "t.shared": "pass",
        "t.dated": "pass",
    }


def test_a_decision_does_not_depend_on_what_the_thread_evaluated_before() -> None:
    """A param's steps are charged to the evaluation that computes it, every time."""
    policy_set = compile_policy_set(
        {
            "t.rev": """package t
param n = count(x for x in charter.kpis where all y in charter.kpis: all z in charter.kpis: true)
policy early "Uses n first" {
  on budget as b
  when b.status == "approved"
  require n >= 0
}
policy late "Spends steps, then uses n" {
  on budget as b
  for each s in b.shifts {
    require all x in b.shifts: all y in b.shifts: true
  }
  require n >= 0
}
"""
        }
    )
    charter = _load("charter")
    approved, proposed = _load("budget", {"status": "approved"}), _load("budget")
    date = dt.date(2026, 7, 15)

    def verdict(document):
        return policy_set.evaluate(document, charter=charter, date=date, max_steps=155).verdict

    alone = verdict(proposed)
    assert alone == "block"
    assert verdict(approved) == "pass"
    assert verdict(proposed) == alone
