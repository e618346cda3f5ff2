"""Checker diagnostics as data: each `checker_cases/*.rev` names the first problem it must give.

The first comment lines of a case say what is expected: `# expect: CODE LINE:COLUMN` and any
number of `# mentions: TEXT`. A case whose first line is `# expect: ok` must check clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy.diagnostics import DiagnosticError
from policy.policy_set import check_files

CASES = sorted((Path(__file__).parent / "checker_cases").glob("*.rev"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_checker_case(case: Path) -> None:
    text = case.read_text()
    expect = re.search(r"^# expect: (\S+)(?: (\d+):(\d+))?$", text, re.M)
    assert expect is not None, "a case states `# expect: CODE LINE:COLUMN` or `# expect: ok`"
    if expect.group(1) == "ok":
        check_files({case.name: text})
        return
    with pytest.raises(DiagnosticError) as raised:
        check_files({case.name: text})
    first = raised.value.diagnostics[0]
    assert first.code == expect.group(1), raised.value.diagnostics
    assert (first.span.line, first.span.column) == (int(expect.group(2)), int(expect.group(3))), first
    for mention in re.findall(r"^# mentions: (.+)$", text, re.M):
        assert mention in f"{first.message} {first.help}", (mention, first)
