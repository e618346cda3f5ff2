"""Rows of a sheet to records of a document: what CSV and XLSX budgets have in common.

A header row names the columns. A column is a field of the record (`amount`), or a field of a
nested record or free map written with a dot (`attributes.region`,
`expected_impact.kpi`). Headers are forgiving about case and blanks (`Cost Center` is
`cost_center`). A list-of-text field (`kpis`) holds its items in one cell separated by `;` or
`,`. Empty cells are left out, so a required field in an empty cell is reported as missing at
that cell. A required column that is missing is reported once, at the header, and not again
for every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from policy.diagnostics import did_you_mean
from policy.documents.report import Offsets, Reporter, join
from policy.documents.scalars import clip
from policy.documents.shapes import ListShape, RecordShape, ScalarShape, field_specs, record_name, spec_map
from policy.source import Span

Location = Span | Offsets | str
"""Where a CSV cell is in the text, or an XLSX cell's name (`lines!F7`)."""


@dataclass(frozen=True)
class Cell:
    """One non-empty cell and where it is."""

    value: Any
    at: Location


@dataclass(frozen=True)
class Row:
    """One data row: its cells by column number, and where the row starts."""

    cells: dict[int, Cell]
    at: Location


@dataclass(frozen=True)
class Column:
    """A column of the header: the field path it fills, or an extra key the caller uses."""

    path: tuple[str, ...]
    split: bool = False
    """A list-of-text field: split the cell on `;` or `,`."""
    extra: bool = False


def header_name(text: Any) -> str:
    """A header cell as a field name: `Cost Center` is `cost_center`."""
    return re.sub(r"[\s\-]+", "_", str(text).strip()).lower()


def _column(name: str, model: type[BaseModel], extras: Sequence[str]) -> Column | str:
    """The column a header names, or the reason it names none."""
    if name in extras:
        return Column((name,), extra=True)
    first, _, rest = name.partition(".")
    spec = spec_map(model).get(first)
    if spec is None or first == "kind":
        return f"unknown column `{clip(name)}` for {record_name(model)} records"
    shape = spec.shape
    if not rest:
        if isinstance(shape, ListShape) and isinstance(shape.item, ScalarShape):
            return Column((first,), split=True)
        if isinstance(shape, ScalarShape):
            return Column((first,))
        return f"column `{clip(name)}` holds records; give its fields as `{first}.FIELD` columns"
    if isinstance(shape, ScalarShape) and shape.scalar.expected == "a map" and "." not in rest:
        return Column((first, rest))
    if isinstance(shape, RecordShape) and rest in spec_map(shape.model):
        return Column((first, rest))
    return f"unknown column `{clip(name)}` for {record_name(model)} records"


def columns(
    header: dict[int, Cell], model: type[BaseModel], list_pointer: str, reporter: Reporter, extras: Sequence[str] = ()
) -> dict[int, Column | None]:
    """The columns of a header row (None: reported unusable); unknown, duplicate, missing reported."""
    result: dict[int, Column | None] = {}
    names = [s.name for s in field_specs(model) if s.name != "kind"] + list(extras)
    for number, cell in sorted(header.items()):
        name = header_name(cell.value)
        column = _column(name, model, extras)
        result[number] = None
        if isinstance(column, str):
            help = did_you_mean(name, names) or "company-specific columns are named `attributes.NAME`"
            reporter.add("document/unknown-field", list_pointer, column, help, at=cell.at)
        elif column.path in [c.path for c in result.values() if c is not None]:
            reporter.add("document/duplicate-key", list_pointer, f"duplicate column `{name}`", at=cell.at)
        else:
            result[number] = column
    _missing_columns(result, header, model, list_pointer, reporter)
    return result


def _missing_columns(
    found: dict[int, Column | None],
    header: dict[int, Cell],
    model: type[BaseModel],
    list_pointer: str,
    reporter: Reporter,
) -> None:
    given = {c.path[0] for c in found.values() if c is not None}
    first = header[min(header)].at if header else None
    for spec in field_specs(model):
        if spec.required and spec.name not in given and spec.name != "kind":
            message = f"missing column `{spec.name}` for {record_name(model)} records"
            reporter.add("document/missing-field", list_pointer, message, at=first)
            reporter.suppressed.append(re.compile(re.escape(list_pointer) + r"/\d+/" + re.escape(spec.name)))


def _cell_value(cell: Cell, column: Column) -> Any:
    if column.split and isinstance(cell.value, str):
        return [item.strip() for item in re.split(r"[;,]", cell.value) if item.strip()]
    return cell.value


def record(
    row: Row, found: dict[int, Column | None], pointer: str, reporter: Reporter
) -> tuple[dict[str, Any], dict[str, Cell]]:
    """The record of one row, and the cells of its extra columns."""
    data: dict[str, Any] = {}
    extras: dict[str, Cell] = {}
    _locate(reporter, pointer, row.at)
    for number, column in found.items():
        cell = row.cells.get(number)
        if cell is None or column is None:
            continue
        at = pointer
        for step in column.path:
            at = join(at, step)
        _locate(reporter, at, cell.at)
        if column.extra:
            extras[column.path[0]] = cell
        elif len(column.path) == 1:
            data[column.path[0]] = _cell_value(cell, column)
        else:
            data.setdefault(column.path[0], {})[column.path[1]] = cell.value
    for number, cell in row.cells.items():
        if number not in found:
            message = f"expected cells under a known column, found `{clip(str(cell.value))}`"
            reporter.add("document/unknown-field", pointer, message, at=cell.at)
    return data, extras


def _locate(reporter: Reporter, pointer: str, at: Location) -> None:
    if isinstance(at, str):
        reporter.index.cells[pointer] = at
    else:
        reporter.index.values[pointer] = at


def locate_empty_cells(
    row: Row, found: dict[int, Column | None], pointer: str, reporter: Reporter, where: Callable[[int], Location]
) -> None:
    """Give missing fields of a row the location of their (empty) cell, via `where(column)`."""
    for number, column in found.items():
        if column is not None and number not in row.cells and len(column.path) == 1 and not column.extra:
            _locate(reporter, join(pointer, column.path[0]), where(number))


def document_fields(
    pairs: Sequence[tuple[Cell, Cell | None]], model: type[BaseModel], reporter: Reporter
) -> dict[str, Any]:
    """The document's own fields, given as key/value pairs (CSV `# key: value`, a sheet's rows)."""
    data: dict[str, Any] = {}
    scalars = [s.name for s in field_specs(model) if isinstance(s.shape, ScalarShape)]
    for key, value in pairs:
        name = header_name(key.value)
        first, _, rest = name.partition(".")
        pointer = join(join("", first), rest) if rest else join("", name)
        if not (name in scalars or (first == "attributes" and rest and "." not in rest)):
            help = did_you_mean(name, scalars) or "company-specific fields are named `attributes.NAME`"
            reporter.add(
                "document/unknown-field",
                pointer,
                f"unknown field `{clip(name)}` in {record_name(model)}",
                help,
                at=key.at,
            )
            continue
        target = data.setdefault("attributes", {}) if rest else data
        if (rest or name) in target:
            reporter.add("document/duplicate-key", pointer, f"duplicate key `{name}`", at=key.at)
        _locate(reporter, pointer, value.at if value is not None else key.at)
        if value is not None:
            target[rest or name] = value.value
    return data


def budget_defaults(data: dict[str, Any], stem: str) -> dict[str, Any]:
    """What a spreadsheet budget need not say: its kind, its id (the file's stem), `draft`."""
    data.setdefault("kind", "budget")
    data.setdefault("id", stem)
    data.setdefault("status", "draft")
    return data
