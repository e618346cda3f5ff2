"""Budgets from CSV, where finance keeps their lines.

Format (documented for users in docs/ as well):

```
# id: bud-fy26-h2-gtm
# fiscal_year: FY26
# period: H2
# status: proposed
# currency: USD
# author: revops-lead@acme.example
id,cost_center,function,category,owner,amount,headcount,kpis
L-MKT-BRAND,MKT-100,marketing,program,cmo@acme.example,1200000,0,pipeline_created
L-SLS-SDR,SLS-210,sales,personnel,cro@acme.example,"$900k",9,pipeline_created;net_new_arr
```

- Comment lines at the top, `# key: value`, give the budget's own fields (`id`, `fiscal_year`,
  `period`, `status`, `currency`, `author`, `attributes.NAME`). `id` defaults to the file's stem
  and `status` to `draft`; the others must be given. A `#` line that is not `key: value` is a
  plain comment; a `key: value` line with an unknown key is an error (it is likely a typo).
- The first other non-blank line is the header, naming line fields (see `tabular.py`); every
  further non-blank line is one budget line. Amounts may carry a currency (`240k USD`, `$50k`)
  or are in the budget's `currency`; `1,200,000` groupings are fine when quoted.
- Cells are separated by `,` — or by `;` when the header has more `;` than `,` (a European
  spreadsheet export); `kpis` then separates its items with `,`. Quotes follow RFC 4180.
- A CSV holds lines only; shifts come from YAML, JSON or an XLSX `shifts` sheet.

Problems carry the pointer (`/lines/3/amount`) and the span of the cell.
"""

from __future__ import annotations

import re
from typing import Any

from policy.documents.budget import Budget, BudgetLine
from policy.documents.limits import MAX_COLUMNS, MAX_LIST_LENGTH
from policy.documents.report import Reporter, join
from policy.documents.tabular import (
    Cell,
    Row,
    budget_defaults,
    columns,
    document_fields,
    locate_empty_cells,
    record,
)
from policy.source import Source

_UNQUOTED = {",": re.compile(r"[^,\r\n]*"), ";": re.compile(r"[^;\r\n]*")}
_FIELD = re.compile(r"#\s*(?P<key>[A-Za-z_][\w.]*)\s*:\s*(?P<value>.*?)\s*$")


class CsvSyntaxError(Exception):
    """A quote that never closes, or text after a closing quote."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


def _cell(text: str, i: int, delimiter: str) -> tuple[str, int, int]:
    """One cell from offset `i`: its value, and the offsets where it starts and ends."""
    if i < len(text) and text[i] == '"':
        parts, j = [], i + 1
        while True:
            k = text.find('"', j)
            if k < 0:
                raise CsvSyntaxError(i, "expected a closing quote, found the end of the file")
            parts.append(text[j:k])
            if text.startswith('"', k + 1):
                parts.append('"')
                j = k + 2
                continue
            end = k + 1
            if end < len(text) and text[end] not in delimiter + "\r\n":
                raise CsvSyntaxError(end, "expected a separator after a quoted cell")
            return "".join(parts), i, end
    end = _UNQUOTED[delimiter].match(text, i).end()  # type: ignore[union-attr]
    return text[i:end], i, end


def split_records(text: str, start: int, delimiter: str) -> list[list[tuple[str, int, int]]]:
    """The records of CSV text from offset `start`, each a list of (value, start, end) cells."""
    records, i = [], start
    while i < len(text):
        cells = []
        while True:
            value, begin, i = _cell(text, i, delimiter)
            cells.append((value, begin, i))
            if i < len(text) and text[i] == delimiter:
                i += 1
                continue
            break
        i += 2 if text.startswith("\r\n", i) else 1
        records.append(cells)
        if len(records) > MAX_LIST_LENGTH + 1:
            break
    return records


def _preamble(text: str) -> tuple[list[tuple[Cell, Cell | None]], int]:
    """The `# key: value` fields before the header, and the offset of the header line."""
    pairs: list[tuple[Cell, Cell | None]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = _FIELD.match(line.rstrip("\r\n"))
        if match:
            key = Cell(match["key"], (offset + match.start("key"), offset + match.end("key")))
            span = (offset + match.start("value"), offset + match.end("value"))
            pairs.append((key, Cell(match["value"], span) if match["value"] else None))
        offset += len(line)
    return pairs, offset


def _row(cells: list[tuple[str, int, int]]) -> tuple[Row, dict[int, Any]]:
    """A data row, and the place of every cell position (empty ones too)."""
    places = {n: (b, max(e, b + 1)) for n, (_, b, e) in enumerate(cells[:MAX_COLUMNS])}
    filled = {n: Cell(v.strip(), places[n]) for n, (v, _, _) in enumerate(cells[:MAX_COLUMNS]) if v.strip()}
    return Row(filled, (cells[0][1], cells[-1][2])), places


def read_csv_budget(text: str, reporter: Reporter, stem: str) -> dict[str, Any] | None:
    """The data of a CSV budget (see the module doc), or None when the CSV cannot be read."""
    reporter.index.source = Source(reporter.file, text)
    first = text.split("\n", 1)[0]
    reporter.index.values[""] = (0, max(1, len(first.rstrip("\r"))))
    pairs, offset = _preamble(text)
    fields = document_fields(pairs, Budget, reporter)
    header_line = text[offset:].split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        records = split_records(text, offset, delimiter)
    except CsvSyntaxError as error:
        reporter.add("document/syntax", "", f"invalid CSV: {error}", at=(error.offset, error.offset + 1))
        return None
    rows = [r for r in records if any(v.strip() for v, _, _ in r)]
    if not rows:
        reporter.add("document/missing-field", "/lines", "expected a header row naming the line fields, found none")
        return None
    header, _ = _row(rows[0])
    reporter.index.values["/lines"] = header.at  # type: ignore[assignment]
    found = columns(header.cells, BudgetLine, "/lines", reporter)
    lines = []
    for i, cells in enumerate(rows[1:]):
        row, spans = _row(cells)
        pointer = join("/lines", i)
        data, _ = record(row, found, pointer, reporter)
        locate_empty_cells(row, found, pointer, reporter, lambda n, spans=spans, row=row: spans.get(n, row.at))
        lines.append(data)
    return budget_defaults({**fields, "lines": lines}, stem)
