"""Which policies share a compiled loop: the cases in cases/shared_loops.yaml rely on it."""

from __future__ import annotations

from pathlib import Path

import yaml

from engine import compile_policy_set, load_policy_dir

CASES = Path(__file__).parent / "cases" / "shared_loops.yaml"
BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_every_shared_loop_case_compiles_to_one_loop() -> None:
    for case in yaml.safe_load(CASES.read_text()):
        source = compile_policy_set(case["policies"]).compiled.source
        assert source.count("one loop over the same list") == 1, case["name"]


def test_policies_with_a_when_or_more_than_one_clause_keep_their_own_loop() -> None:
    files = {
        "t.rev": """package t
policy a "A" {
  on budget as b
  when b.fiscal_year == "FY26"
  for each s in b.shifts { require true }
}
policy c "C" {
  on budget as b
  require true
  for each s in b.shifts { require true }
}
policy d "D" {
  on budget as b
  for each s in b.lines { require true }
}
"""
    }
    assert "one loop over the same list" not in compile_policy_set(files).compiled.source


def test_the_example_budget_policies_share_one_loop() -> None:
    source = load_policy_dir(BENCH / "policies").compiled.source
    assert source.count("one loop over the same list") == 1
