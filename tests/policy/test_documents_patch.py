"""JSON Merge Patch (RFC 7396) and patching a loaded document with run-time values."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.diagnostics import DiagnosticError
from policy.documents import apply_merge_patch, load_document, patch_document
from policy.values import Money
from tests.policy.documents_support import CASES

RFC = yaml.safe_load((Path(__file__).parent / "documents_merge_patch" / "rfc7396.yaml").read_text())


@pytest.mark.parametrize("example", RFC, ids=[str(i) for i in range(len(RFC))])
def test_rfc7396_examples(example: dict[str, Any]) -> None:
    target = copy.deepcopy(example["target"])
    assert apply_merge_patch(target, example["patch"]) == example["result"]
    assert target == example["target"], "the target is not modified"


def test_a_test_block_patch_with_run_time_values() -> None:
    base = load_document(CASES / "base" / "plan.yaml")
    patch = {
        "components": [
            {
                "id": "c1",
                "name": "Net new ARR",
                "kpi": "net_new_arr",
                "scope": "individual",
                "weight": Decimal(1),
                "cap": Decimal("1.5"),
                "rate_table": [{"from": Decimal(0), "to": None, "multiplier": Decimal(1)}],
            }
        ],
        "ote": Money(Decimal("96000"), "USD"),
        "role": {"level": "P2"},
    }
    patched = patch_document(base, patch)
    component = patched.value["components"][0]
    assert component["cap"] == Decimal("1.5"), "150% is a percent here, not the slip 1.5"
    assert component["rate_table"][0]["to"] is None
    assert patched.value["ote"] == Money(Decimal("96000"), "USD")
    assert patched.value["role"]["level"] == "P2" and patched.value["role"]["code"] == "SDR"
    assert patched.value["components"].pointer == "/components"
    assert base.value["ote"] == Money(Decimal("95000"), "USD"), "the base document is unchanged"


def test_a_patch_that_removes_a_required_field_is_reported() -> None:
    base = load_document(CASES / "base" / "budget.yaml")
    with pytest.raises(DiagnosticError) as caught:
        patch_document(base, {"author": None, "lines": [{"id": "L-A", "from": "x"}]})
    pointers = {d.pointer for d in caught.value.diagnostics}
    assert {"/author", "/lines/0/from", "/lines/0/amount", "/shifts/0/to_line"} <= pointers


def test_a_patch_keeps_shift_references_live() -> None:
    base = load_document(CASES / "base" / "budget.yaml")
    patched = patch_document(base, {"shifts": [{**base.value["shifts"][0], "amount": Money(Decimal(5), "USD")}]})
    shift = patched.value["shifts"][0]
    assert shift["from"] is patched.value["lines"][0]
    assert shift["amount"] == Money(Decimal(5), "USD")
