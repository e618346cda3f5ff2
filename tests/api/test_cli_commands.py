"""The `rev` command line: exit codes, output formats and error reporting, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from tests.shared import REPO

POLICIES = REPO / "bench" / "policies"
CHARTER = REPO / "bench" / "charter.yaml"
DOCUMENTS = REPO / "tests" / "engine" / "cases" / "documents"
runner = CliRunner()


def rev(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def check(*args: str | Path) -> tuple[int, str]:
    return rev("check", "--policies", POLICIES, "--charter", CHARTER, "--date", "2026-07-15", *args)


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    """A comp plan that passes every example incentives policy."""
    data = yaml.safe_load((DOCUMENTS / "plan.yaml").read_text())
    data["approvals"] = [
        {"role": "finance", "approver": "cfo@acme.example", "decision": "approved", "at": "2026-01-10"},
        {"role": "comp_committee", "approver": "ceo@acme.example", "decision": "approved", "at": "2026-01-11"},
    ]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_check_passes_a_compliant_plan(plan_file: Path) -> None:
    code, out = check(plan_file)
    assert code == 0, out
    assert out.startswith("PASS")


def test_check_blocks_and_explains(tmp_path: Path) -> None:
    code, out = check(DOCUMENTS / "budget.yaml")
    assert code == 1
    assert "BLOCK" in out and "budgeting.approval_band" in out and "/shifts/1" in out
    assert "policies/budgeting.rev:19:5" in out


def test_check_json_has_the_documented_shape() -> None:
    code, out = check("--format", "json", DOCUMENTS / "budget.yaml", DOCUMENTS / "plan.yaml")
    assert code == 1
    data = json.loads(out)
    assert set(data) >= {"results", "policy_set", "charter", "date"}
    assert data["charter"] == {"id": "charter-fy26-rev", "version": "2026.1"}
    assert data["date"] == "2026-07-15" and len(data["policy_set"]["sha256"]) == 64
    budget = data["results"][0]
    assert set(budget) >= {"document", "kind", "id", "verdict", "findings", "policies"}
    finding = budget["findings"][0]
    assert set(finding) >= {"policy", "title", "outcome", "enforcement", "message", "path", "values", "source",
                            "override_by", "overridden_by"}
    assert budget["policies"]["budgeting.approval_band"] == "fail"


def test_check_sarif_junit_and_github_carry_the_same_findings() -> None:
    _, text = check("--format", "json", DOCUMENTS / "budget.yaml")
    findings = json.loads(text)["results"][0]["findings"]
    _, sarif = check("--format", "sarif", DOCUMENTS / "budget.yaml")
    results = json.loads(sarif)["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == sorted(f["policy"] for f in findings)
    _, junit = check("--format", "junit", DOCUMENTS / "budget.yaml")
    failed = [c.get("name") for c in ET.fromstring(junit).iter("testcase") if c.find("failure") is not None]
    assert sorted(failed) == sorted({f["policy"] for f in findings if f["enforcement"] == "hard"})
    _, github = check("--format", "github", DOCUMENTS / "budget.yaml")
    assert len([line for line in github.splitlines() if line.startswith("::")]) == len(findings)


def test_fail_on_warn_turns_warnings_into_failures(tmp_path: Path, plan_file: Path) -> None:
    data = yaml.safe_load(plan_file.read_text())
    data["components"][1]["weight"] = "5%"
    data["components"][0]["weight"] = "95%"
    warned = tmp_path / "warned.yaml"
    warned.write_text(yaml.safe_dump(data))
    assert check(warned)[0] == 0
    assert check("--fail-on", "warn", warned)[0] == 1


def test_overrides_file_lifts_a_soft_finding(tmp_path: Path, plan_file: Path) -> None:
    data = yaml.safe_load(plan_file.read_text())
    data["approvals"] = data["approvals"][:1]
    pending = tmp_path / "pending.yaml"
    pending.write_text(yaml.safe_dump(data))
    assert check(pending)[0] == 1
    overrides = tmp_path / "overrides.yaml"
    granted = {
        "policy": "incentives.plan_approved",
        "path": "",
        "approver": "cfo@acme.example",
        "justification": "approved by the comp committee by e-mail",
        "expires": "2026-12-31",
    }
    overrides.write_text(yaml.safe_dump([granted]))
    code, out = check("--overrides", overrides, "--format", "json", pending)
    assert code == 0, out
    result = json.loads(out)["results"][0]
    assert result["verdict"] == "warn"
    assert result["findings"][0]["overridden_by"] == "cfo@acme.example"


def test_a_bad_overrides_file_is_a_usage_error(tmp_path: Path, plan_file: Path) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(yaml.safe_dump([{"policy": "x", "approver": "not an email", "justification": "j"}]))
    code, out = check("--overrides", overrides, plan_file)
    assert code == 2
    for pointer in ("/0/approver", "/0/justification", "/0/expires"):  # every problem, each located
        assert pointer in out, out


def test_an_invalid_document_exits_2_with_every_problem(tmp_path: Path) -> None:
    data = yaml.safe_load((DOCUMENTS / "plan.yaml").read_text())
    data["components"][0]["weigth"] = data["components"][0].pop("weight")
    data["ote"] = "lots"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    code, out = check(bad)
    assert code == 2
    assert "/components/0" in out and "/ote" in out


def test_a_policy_file_given_for_the_directory_says_which_to_give() -> None:
    code, out = rev("check", "--policies", POLICIES / "budgeting.rev", DOCUMENTS / "plan.yaml")
    assert code == 2
    assert "is a file; give the directory of the policy set" in out and f"`--policies {POLICIES}`" in out
    code, out = rev("test", POLICIES / "budgeting.rev")
    assert code == 2 and f"`rev test {POLICIES}`" in out and "--policies" not in out


def test_an_unparsable_document_is_located_by_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: budget\nid: [b1\nauthor: x\n")
    code, out = check(bad)
    assert code == 2
    assert "✗ / (line 3, column 7): invalid YAML" in out, out
    missing = tmp_path / "missing.yaml"
    missing.write_text("kind: budget\nid: b1\nstatus: done\n")
    out = check(missing)[1]
    assert "✗ /author: missing field" in out, out  # reported at the file's start: no position to add
    assert "✗ /status (line 3, column 9): expected one of" in out, out


def test_validate_reports_located_json_diagnostics(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rev"
    broken.write_text('package b\npolicy p "P" {\n  on comp_plan as plan\n  require plan.componets == none\n}\n')
    code, out = rev("validate", "--format", "json", broken)
    assert code == 1
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert diagnostic["code"] == "check/unknown-field"
    assert (diagnostic["line"], diagnostic["column"], diagnostic["stage"]) == (4, 16, "check")
    assert set(diagnostic) == {"code", "severity", "stage", "message", "help", "file", "line", "column",
                               "end_line", "end_column", "pointer"}


def test_validate_clean_inputs_exit_0() -> None:
    code, out = rev("validate", POLICIES, CHARTER, DOCUMENTS / "budget.yaml")
    assert code == 0, out


def test_validate_a_missing_path_is_a_usage_error() -> None:
    assert rev("validate", "no/such/file.rev")[0] == 2


def test_test_command_reports_results_and_coverage(tmp_path: Path) -> None:
    (tmp_path / "p.rev").write_text(
        'package p\npolicy big "Big OTE" {\n  on comp_plan as plan\n  require plan.ote > 50k USD\n}\n'
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text((DOCUMENTS / "plan.yaml").read_text())
    (tmp_path / "p_test.rev").write_text(
        'package p_test\ntest "big passes" {\n  given comp_plan from "plan.yaml"\n  expect p.big passes\n}\n'
        'test "small fails" {\n  given comp_plan from "plan.yaml" with {ote: 10k USD, base_salary: 5k USD, '
        'target_variable: 5k USD}\n  expect p.big fails\n  expect verdict block\n}\n'
    )
    code, out = rev("test", "--format", "json", "--min-coverage", "100", tmp_path)
    assert code == 0, out
    report = json.loads(out)
    assert (report["passed"], report["failed"], report["coverage"]["percent"]) == (2, 0, 100.0)
    (tmp_path / "p_test.rev").write_text(
        'package p_test\ntest "wrong" {\n  given comp_plan from "plan.yaml"\n  expect p.big fails\n}\n'
    )
    code, out = rev("test", tmp_path)
    assert code == 1 and "expected fail, got pass" in out


def test_schema_prints_json_schema_and_suggests_kinds() -> None:
    code, out = rev("schema", "budget")
    assert code == 0 and "shifts" in json.loads(out)["properties"]
    code, out = rev("schema", "budgt")
    assert code == 2 and "budget" in out


def test_fmt_check_reports_files_that_would_change(tmp_path: Path) -> None:
    messy = tmp_path / "messy.rev"
    messy.write_text('package m\npolicy p "P" {   on comp_plan as plan\n require   true }\n')
    assert rev("fmt", "--check", messy)[0] == 1
    assert rev("fmt", messy)[0] == 0
    assert rev("fmt", "--check", messy)[0] == 0
