"""The syntax-stage cases of the shared conformance suite (`../shared/conformance/errors`).

Each `NAME.rev` whose `NAME.expected.yaml` says `stage: syntax` must fail to parse with a
diagnostic at the given line and column whose message mentions each listed string.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy.diagnostics import DiagnosticError, Stage
from policy.parser import parse_module
from tests.policy.ast_support import SHARED

ERRORS = SHARED / "conformance" / "errors"


def _cases() -> list[object]:
    if not ERRORS.is_dir():
        reason = f"the shared conformance cases are not beside the checkout ({ERRORS})"
        return [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=reason))]
    cases = []
    for expected in sorted(ERRORS.glob("*.expected.yaml")):
        if yaml.safe_load(expected.read_text(encoding="utf-8")).get("stage") == "syntax":
            name = expected.name.removesuffix(".expected.yaml")
            cases.append(pytest.param(expected.with_name(f"{name}.rev"), id=name))
    return cases


@pytest.mark.parametrize("source", _cases())
def test_syntax_error_case(source: Path) -> None:
    expected = yaml.safe_load(source.with_name(source.stem + ".expected.yaml").read_text(encoding="utf-8"))
    with pytest.raises(DiagnosticError) as raised:
        parse_module(source.read_text(encoding="utf-8"), str(source))
    at_spot = [
        d for d in raised.value.diagnostics
        if d.span is not None and (d.span.line, d.span.column) == (expected["line"], expected["column"])
    ]
    assert at_spot, [(d.span, d.message) for d in raised.value.diagnostics]
    assert any(
        d.stage is Stage.SYNTAX and all(m in d.message for m in expected["mentions"]) for d in at_spot
    ), [d.message for d in at_spot]
