"""Budgets from CSV and XLSX files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from policy.diagnostics import DiagnosticError
from policy.documents import load_document
from policy.values import Money

CSV = """\
# fiscal_year: FY26
# period: H2
# status: proposed
# currency: USD
# author: revops-lead@acme.example
id,cost_center,function,category,owner,amount,headcount,kpis
L-MKT-BRAND,MKT-100,marketing,program,cmo@acme.example,1200000,0,pipeline_created
L-SLS-SDR,SLS-210,sales,personnel,cro@acme.example,"$900k",9,"pipeline_created, net_new_arr"
"""

LINE_HEADER = ["id", "cost_center", "function", "category", "owner", "amount", "headcount", "kpis"]
SHIFT_HEADER = [
    "id",
    "from_line",
    "to_line",
    "amount",
    "recurring",
    "headcount_delta",
    "requested_by",
    "requested_at",
    "justification",
    "decision_kpi",
    "expected_impact.kpi",
    "expected_impact.delta",
    "expected_impact.by",
]


def test_csv_budget(tmp_path: Path) -> None:
    path = tmp_path / "bud-fy26-h2.csv"
    path.write_text(CSV)
    document = load_document(path)
    value = document.value
    assert (document.kind, document.id, value["status"]) == ("budget", "bud-fy26-h2", "proposed")
    assert value["lines"].pointer == "/lines"
    assert value["lines"][1]["amount"] == Money(Decimal("900000"), "USD")
    assert value["lines"][1]["kpis"] == ["pipeline_created", "net_new_arr"]
    assert value["lines"][1]["headcount"] == Decimal(9)
    assert value["shifts"] == []


def test_csv_with_a_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode())
    assert len(load_document(path).value["lines"]) == 2


def _workbook(path: Path, lines: list[list[Any]], extra: dict[str, list[list[Any]]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Lines"
    for row in [LINE_HEADER, *lines]:
        sheet.append(row)
    for title, rows in extra.items():
        other = book.create_sheet(title)
        for row in rows:
            other.append(row)
    book.save(path)


BUDGET_SHEET = [
    ["field", "value"],
    ["fiscal_year", "FY26"],
    ["period", "H2"],
    ["currency", "USD"],
    ["author", "revops-lead@acme.example"],
    ["attributes.region", "EMEA"],
]
LINES = [
    ["L-A", "MKT-100", "marketing", "program", "cmo@acme.example", 1200000, 0, "pipeline_created"],
    ["L-B", "SLS-210", "sales", "personnel", "cro@acme.example", 900000.5, 9, "pipeline_created;net_new_arr"],
]


def test_xlsx_budget_with_shifts_and_approvals(tmp_path: Path) -> None:
    path = tmp_path / "bud-x.xlsx"
    shifts = [
        SHIFT_HEADER,
        [
            "SH-1",
            "L-A",
            "L-B",
            240000,
            True,
            3,
            "vp-sdr@acme.example",
            dt.datetime(2026, 7, 2),
            "Coverage behind",
            "pipeline_coverage",
            "pipeline_created",
            0.1,
            dt.date(2026, 12, 31),
        ],
    ]
    approvals = [
        ["shift", "role", "approver", "decision", "at"],
        ["SH-1", "cfo", "cfo@acme.example", "approved", dt.date(2026, 7, 5)],
        ["SH-1", "exec_committee", "ceo@acme.example", "pending", None],
    ]
    _workbook(path, LINES, {"budget": BUDGET_SHEET, "shifts": shifts, "approvals": approvals})
    document = load_document(path)
    value = document.value
    assert (document.id, value["status"], value["attributes"]) == ("bud-x", "draft", {"region": "EMEA"})
    assert value["lines"][1]["amount"] == Money(Decimal("900000.5"), "USD")
    shift = value["shifts"][0]
    assert shift["from"] is value["lines"][0] and shift["to"] is value["lines"][1]
    assert shift["requested_at"] == dt.date(2026, 7, 2) and shift["recurring"] is True
    assert shift["expected_impact"]["delta"] == Decimal("0.1")
    assert [a["role"] for a in shift["approvals"]] == ["cfo", "exec_committee"]
    assert shift["approvals"].pointer == "/shifts/0/approvals"
    assert shift["approvals"][1]["at"] is None


def test_xlsx_problems_name_their_cells(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    lines = [LINES[0], ["L-B", "SLS-210", "sales", "personel", "cro@acme.example", "lots", None, None]]
    approvals = [["shift", "role", "approver", "decision", "at"], ["SH-9", "cfo", "cfo@acme.example", "approved", None]]
    shifts = [SHIFT_HEADER[:4], ["SH-1", "L-A", "L-C", 5]]
    _workbook(path, lines, {"budget": BUDGET_SHEET, "shifts": shifts, "approvals": approvals})
    with pytest.raises(DiagnosticError) as caught:
        load_document(path)
    found = {(d.code, d.pointer): d for d in caught.value.diagnostics}
    assert "`Lines!D3`" in found["document/invalid-value", "/lines/1/category"].message
    assert "`Lines!F3`" in found["document/invalid-value", "/lines/1/amount"].message
    assert "`Lines!G3`" in found["document/missing-field", "/lines/1/headcount"].message
    assert "`shifts!C2`" in found["document/unknown-reference", "/shifts/0/to_line"].message
    assert "`approvals!2:2`" in found["document/unknown-reference", "/shifts"].message
    assert ("document/missing-field", "/shifts") in found  # the missing columns, once, at the header
    assert not any(p.startswith("/shifts/0/recurring") for _, p in found)
    assert all(d.pointer is not None and d.span is None for d in caught.value.diagnostics)


def test_an_unreadable_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DiagnosticError) as caught:
        load_document(path)
    assert [d.code for d in caught.value.diagnostics] == ["document/syntax"]


@pytest.mark.parametrize(
    ("name", "code"), [("notes.txt", "document/unknown-format"), ("gone.yaml", "document/unreadable")]
)
def test_files_that_cannot_be_documents(tmp_path: Path, name: str, code: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("hello")
    with pytest.raises(DiagnosticError) as caught:
        load_document(path)
    assert [(d.code, d.pointer) for d in caught.value.diagnostics] == [(code, "")]
