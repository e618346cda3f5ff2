"""Write examples/documents/budget-h1-reforecast-no-board.xlsx, the example budget kept as a workbook.

Finance keeps budgets in spreadsheets, so the pack ships one as XLSX. The workbook is generated
rather than edited by hand so that a review sees its content as code, and the bytes are
reproducible (fixed document properties and zip timestamps): running this script again gives
the same file. `python examples/make_xlsx.py --check` exits 1 if the committed file is stale.

The layout is the one `rev` reads (policy/documents/xlsx_budget.py): a `budget` sheet of
field/value rows, a `lines` sheet, a `shifts` sheet and an `approvals` sheet whose `shift`
column names the shift each approval belongs to.

Expected decision: block. The three shifts are approved at every level their amounts need,
but together they move $290,000 in FY26, and the shift that takes the running total above
$250,000 (SH-903) has no board approval (budgeting.cumulative_shifts_board, hard).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUTPUT = Path(__file__).resolve().parent / "documents" / "budget-h1-reforecast-no-board.xlsx"
FIXED_TIME = dt.datetime(2026, 3, 1, 9, 0, 0)

BUDGET = [
    ("field", "value"),
    ("id", "bud-fy26-h1-reforecast"),
    ("fiscal_year", "FY26"),
    ("period", "H1"),
    ("status", "proposed"),
    ("currency", "USD"),
    ("author", "fpa-lead@acme.example"),
]

LINES = [
    ("id", "cost_center", "function", "category", "owner", "amount", "headcount", "kpis"),
    ("L-SLS-CRM", "SLS-300", "sales", "tooling", "cro@acme.example", 800_000, 0, "net_new_arr"),
    ("L-SLS-DATA", "SLS-300", "sales", "tooling", "cro@acme.example", 700_000, 0, "win_rate"),
    ("L-SLS-ENABLE", "SLS-300", "sales", "program", "cro@acme.example", 600_000, 0, "win_rate"),
]

SHIFTS = [
    (
        "id", "from_line", "to_line", "amount", "recurring", "headcount_delta", "requested_by",
        "requested_at", "justification", "decision_kpi", "guardrail_kpi",
    ),
    (
        "SH-901", "L-SLS-CRM", "L-SLS-ENABLE", 120_000, False, 0, "dir-sales-ops@acme.example",
        dt.date(2026, 3, 2), "CRM renewal negotiated down 15%; the saving funds a methodology rollout for all AEs.",
        "win_rate", "cac_payback",
    ),
    (
        "SH-902", "L-SLS-DATA", "L-SLS-ENABLE", 90_000, False, 0, "vp-sales@acme.example",
        dt.date(2026, 4, 6), "Retire the second contact-data vendor; fund deal-review coaching for enterprise AEs.",
        "win_rate", None,
    ),
    (
        "SH-903", "L-SLS-CRM", "L-SLS-DATA", 80_000, False, 0, "dir-sales-ops@acme.example",
        dt.date(2026, 5, 11), "Intent-data pilot for the mid-market segment, paid from the CRM seats nobody activated.",
        "win_rate", "cac_payback",
    ),
]

APPROVED_ON = {"SH-901": dt.date(2026, 3, 4), "SH-902": dt.date(2026, 4, 8), "SH-903": dt.date(2026, 5, 13)}

APPROVALS = [("shift", "role", "approver", "decision", "at")] + [
    row
    for shift, day in APPROVED_ON.items()
    for row in (
        (shift, "line_owner", "cro@acme.example", "approved", day),
        (shift, "cfo", "cfo@acme.example", "approved", day),
        (shift, "exec_committee", "ceo@acme.example", "approved", day),
    )
]


def _sheet(workbook: Workbook, title: str, rows: list[tuple[object, ...]], first: bool = False) -> None:
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        width = max(len(str(c.value)) for c in column if c.value is not None)
        sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def workbook_bytes() -> bytes:
    """The workbook, with fixed properties and zip timestamps so that the bytes never vary."""
    workbook = Workbook()
    _sheet(workbook, "budget", BUDGET, first=True)
    _sheet(workbook, "lines", LINES)
    _sheet(workbook, "shifts", SHIFTS)
    _sheet(workbook, "approvals", APPROVALS)
    workbook.properties.creator = "examples/make_xlsx.py"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    workbook.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(content: bytes) -> bytes:
    """Rewrite the zip with one timestamp for every member (openpyxl stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            # openpyxl also stamps dcterms:modified with the save time; pin it.
            if info.filename == "docProps/core.xml":
                data = _pin_modified(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, data)
    return out.getvalue()


def _pin_modified(core: bytes) -> bytes:
    text = core.decode("utf-8")
    start = text.find("<dcterms:modified")
    if start < 0:
        return core
    open_end = text.find(">", start) + 1
    close = text.find("</dcterms:modified>", open_end)
    return (text[:open_end] + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ") + text[close:]).encode("utf-8")


def main(argv: list[str]) -> int:
    content = workbook_bytes()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != content:
            print(f"{OUTPUT} is stale: run `python examples/make_xlsx.py`", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_bytes(content)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
