"""Data-driven document cases: `documents_cases/*.yaml` (see the README there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.diagnostics import DiagnosticError
from policy.documents import LoadedDocument, apply_merge_patch, load_document_text, parse_document
from policy.values import to_json_value
from tests.policy.documents_support import CASES, value_at


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text())["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


def _load(case: dict[str, Any]) -> LoadedDocument:
    if "text" in case:
        return load_document_text(case["text"], f"input.{case['format']}", case["format"])
    base = yaml.safe_load((CASES / "base" / case["base"]).read_text())
    return parse_document(apply_merge_patch(base, case.get("patch") or {}), case["base"])


def _matches(diagnostic: Any, expected: dict[str, Any]) -> bool:
    span = diagnostic.span
    checks = [
        "line" not in expected or (span is not None and span.line == expected["line"]),
        "column" not in expected or (span is not None and span.column == expected["column"]),
        expected.get("message", "") in diagnostic.message,
        expected.get("help", "") in (diagnostic.help or ""),
    ]
    return all(checks)


@pytest.mark.parametrize("case", _cases())
def test_document_case(case: dict[str, Any]) -> None:
    expected = case["expected"]
    try:
        document = _load(case)
    except DiagnosticError as error:
        found = error.diagnostics
        assert expected, "unexpected diagnostics:\n" + "\n".join(f"{d.pointer} {d.code}: {d.message}" for d in found)
        assert sorted((d.code, d.pointer) for d in found) == sorted((e["code"], e["pointer"]) for e in expected)
        for want in expected:
            assert any(d.code == want["code"] and d.pointer == want["pointer"] and _matches(d, want) for d in found), (
                f"no diagnostic matches {want}; found {[(d.pointer, d.span, d.message, d.help) for d in found]}"
            )
        assert all(d.file for d in found)
        return
    assert not expected, f"expected diagnostics {expected}, the document loaded"
    for pointer, want in (case.get("values") or {}).items():
        assert to_json_value(value_at(document.value, pointer)) == want, pointer


def test_the_cases_folder_is_not_empty() -> None:
    assert len(_cases()) > 30
    assert Path(CASES / "README.md").is_file()
