"""Budgets from XLSX workbooks.

Sheets (names are case-insensitive):

- `lines` (or, without one, the first sheet that is not one of the others): a header row
  naming line fields, then one row per budget line (columns as in `tabular.py`).
- `budget` (optional): the budget's own fields as key/value rows — column A the field
  (`fiscal_year`, `period`, `status`, `currency`, `author`, `id`, `attributes.NAME`), column B
  its value; a first row `field | value` is a header and skipped. `id` defaults to the file's
  stem and `status` to `draft`.
- `shifts` (optional): a header row naming shift fields (`id, from_line, to_line, amount,
  recurring, headcount_delta, requested_by, requested_at, justification, decision_kpi,
  guardrail_kpi, expected_impact.kpi, expected_impact.delta, expected_impact.by`), one row per
  shift.
- `approvals` (optional): a header row `shift, role, approver, decision, at`; each row is one
  approval of the shift whose id is in its `shift` column.

Excel keeps numbers as binary doubles; a cell's number is taken as the shortest decimal that
reads back as that double (`0.1`, not `0.1000000000000000055…`), which is what the user typed.
Date cells become dates. Problems carry the pointer (`/lines/3/amount`) and name the cell in
the message (`lines!F7`).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from policy.diagnostics import did_you_mean
from policy.documents.budget import Budget, BudgetLine, Shift
from policy.documents.limits import MAX_COLUMNS, MAX_LIST_LENGTH
from policy.documents.records import Approval
from policy.documents.report import Reporter, join
from policy.documents.scalars import clip
from policy.documents.tabular import Cell, Row, budget_defaults, columns, document_fields, locate_empty_cells, record

_OTHER_SHEETS = ("budget", "shifts", "approvals")


def _cell_value(value: Any) -> Any:
    """A cell's value as document data: no floats, dates as dates, text trimmed."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, str):
        return value.strip()
    return value


def _rows(sheet: Any) -> Iterator[Row]:
    """The non-empty rows of a sheet (stopping just past the list limit)."""
    title, count = sheet.title, 0
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
        cells = {}
        for column, raw in enumerate(values, start=1):
            value = _cell_value(raw)
            if value is not None and value != "":
                cells[column] = Cell(value, f"{title}!{get_column_letter(column)}{number}")
        if cells:
            yield Row(cells, f"{title}!{number}:{number}")
            count += 1
            if count > MAX_LIST_LENGTH + 1:
                return


def _where(sheet_title: str, row: Row) -> Any:
    number = str(row.at).rsplit(":", 1)[-1]
    return lambda column: f"{sheet_title}!{get_column_letter(column)}{number}"


def _records(sheet: Any, model: Any, pointer: str, reporter: Reporter) -> list[dict[str, Any]]:
    """The records of a sheet with a header row."""
    rows = _rows(sheet)
    header = next(rows, None)
    if header is None:
        reporter.add("document/missing-field", pointer, f"expected a header row in sheet `{sheet.title}`, found none")
        return []
    reporter.index.cells[pointer] = header.at  # type: ignore[assignment]
    found = columns(header.cells, model, pointer, reporter)
    result = []
    for i, row in enumerate(rows):
        at = join(pointer, i)
        data, _ = record(row, found, at, reporter)
        locate_empty_cells(row, found, at, reporter, _where(sheet.title, row))
        result.append(data)
    return result


def _attach_approvals(sheet: Any, shifts: list[dict[str, Any]], reporter: Reporter) -> None:
    """Add each row of the `approvals` sheet to the shift its `shift` column names."""
    rows = _rows(sheet)
    header = next(rows, None)
    if header is None:
        return
    found = columns(header.cells, Approval, "/shifts", reporter, extras=("shift",))
    shift_column = next((n for n, c in found.items() if c is not None and c.extra), None)
    ids = [str(s.get("id", "")).strip() for s in shifts]
    for row in rows:
        cell = row.cells.get(shift_column) if shift_column is not None else None
        target = str(cell.value).strip() if cell is not None else ""
        if target not in ids:
            message = f"unknown shift `{clip(target)}`: expected the id of a row of sheet `shifts`"
            reporter.add("document/unknown-reference", "/shifts", message, did_you_mean(target, ids), at=row.at)
            continue
        index = ids.index(target)
        approvals = shifts[index].setdefault("approvals", [])
        at = join(join(join("/shifts", index), "approvals"), len(approvals))
        data, _ = record(row, found, at, reporter)
        locate_empty_cells(row, found, at, reporter, _where(sheet.title, row))
        approvals.append(data)


def _pairs(sheet: Any) -> list[tuple[Cell, Cell | None]]:
    """Key/value rows of the `budget` sheet (a `field | value` header row is skipped)."""
    pairs = []
    for row in _rows(sheet):
        key, value = row.cells.get(1), row.cells.get(2)
        if key is None or str(key.value).strip().lower() in ("field", "key"):
            continue
        pairs.append((key, value))
    return pairs


def read_xlsx_budget(content: bytes, reporter: Reporter, stem: str) -> dict[str, Any] | None:
    """The data of an XLSX budget (see the module doc), or None when the workbook is unreadable."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        reporter.add("document/syntax", "", f"expected an XLSX workbook, found unreadable content ({clip(str(error))})")
        return None
    try:
        return _read_workbook(workbook, reporter, stem)
    except Exception as error:  # a corrupt part of the zip surfaces from deep inside openpyxl
        reporter.add("document/syntax", "", f"expected an XLSX workbook, found unreadable content ({clip(str(error))})")
        return None
    finally:
        workbook.close()


def _read_workbook(workbook: Any, reporter: Reporter, stem: str) -> dict[str, Any]:
    """The budget data of an open workbook."""
    sheets = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
    lines = sheets.get("lines") or next((s for n, s in sheets.items() if n not in _OTHER_SHEETS), None)
    fields = document_fields(_pairs(sheets["budget"]), Budget, reporter) if "budget" in sheets else {}
    data = budget_defaults(fields, stem)
    if lines is None:
        reporter.add("document/missing-field", "/lines", "expected a `lines` sheet, found none")
        return data
    data["lines"] = _records(lines, BudgetLine, "/lines", reporter)
    if "shifts" in sheets:
        data["shifts"] = _records(sheets["shifts"], Shift, "/shifts", reporter)
        if "approvals" in sheets:
            _attach_approvals(sheets["approvals"], data["shifts"], reporter)
    return data
