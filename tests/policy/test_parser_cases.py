"""Data-driven parser cases: each `parser_cases/NAME.rev` parses to the dump in `NAME.yaml`.

Error cases (`error-NAME.rev`) give, as their first diagnostic, the code and position in
`error-NAME.yaml`, and its message or help mentions each listed string. The dump shows grouping
and values rather than spellings (tests/policy/ast_support/dump.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy.diagnostics import DiagnosticError, Stage
from policy.parser import parse_module
from tests.policy.ast_support import CASES, dump

SOURCES = sorted(CASES.glob("*.rev"))


def _expected(source: Path) -> dict:
    return yaml.safe_load(source.with_suffix(".yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", [p for p in SOURCES if "error" not in _expected(p)], ids=lambda p: p.stem)
def test_parses_to_expected_tree(source: Path) -> None:
    module = parse_module(source.read_text(encoding="utf-8"), source.name)
    assert dump.module(module) == _expected(source)


@pytest.mark.parametrize("source", [p for p in SOURCES if "error" in _expected(p)], ids=lambda p: p.stem)
def test_error_case_reports_expected_diagnostic(source: Path) -> None:
    expected = _expected(source)["error"]
    with pytest.raises(DiagnosticError) as raised:
        parse_module(source.read_text(encoding="utf-8"), source.name)
    first = raised.value.diagnostics[0]
    assert first.stage is Stage.SYNTAX
    assert (first.code, first.span.line, first.span.column) == (expected["code"], expected["line"], expected["column"])
    text = f"{first.message}\n{first.help or ''}"
    for mention in expected["mentions"]:
        assert mention in text
    assert first.span.file == source.name


def test_every_case_has_its_expectation() -> None:
    assert SOURCES, f"no parser cases under {CASES}"
    missing = [p.name for p in SOURCES if not p.with_suffix(".yaml").exists()]
    assert not missing
