"""How `rev check` prints decisions: text for people, JSON, SARIF, JUnit and GitHub annotations.

Every format carries the same findings. Text and JSON stream one document at a time (flat
memory for thousands of documents); SARIF and JUnit collect the small per-document results
and write once at the end, as their formats require.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TextIO
from xml.etree import ElementTree as ET

from engine import Decision, PolicySet
from policy.diagnostics import Diagnostic

VERDICT_STYLE = {"pass": "PASS ", "warn": "WARN ", "block": "BLOCK"}


def source_line(policy_set: PolicySet, file: str, line: int, prefix: str) -> str:
    """The text of a policy's source line, for showing where a finding comes from."""
    text = policy_set.files.get(file.removeprefix(prefix), "")
    lines = text.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


class Report(ABC):
    """Base of the output formats: begin, one call per document (or invalid document), end."""

    def __init__(self, out: TextIO, policy_set: PolicySet, prefix: str) -> None:
        self.out = out
        self.policy_set = policy_set
        self.prefix = prefix

    def begin(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    @abstractmethod
    def decision(self, decision: Decision) -> None:
        """Write one part of the report."""

    @abstractmethod
    def invalid(self, document: str, diagnostics: list[Diagnostic]) -> None:
        """Write one part of the report."""

    @abstractmethod
    def end(self, notes: list[str]) -> None:
        """Write one part of the report."""


class TextReport(Report):
    """For people: verdict first, then each finding with its message, path and policy source."""

    def decision(self, decision: Decision) -> None:
        w = self.out.write
        label = f"{decision.kind} {decision.id}" if decision.id else decision.kind
        w(f"{VERDICT_STYLE[decision.verdict]}  {decision.document}  ({label})\n")
        for finding in decision.findings:
            mark = "✗" if finding.blocks else "!"
            status = finding.outcome + (f", overridden by {finding.overridden_by}" if finding.overridden_by else "")
            w(f"  {mark} {finding.policy} [{finding.enforcement}, {status}]\n")
            w(f"      {finding.message}\n")
            where = f"at {finding.path}" if finding.path else "at the document"
            src = finding.source
            w(f"      {where} · {src['file']}:{src['line']}:{src['column']}\n")
            line = source_line(self.policy_set, src["file"], src["line"], self.prefix)
            if line:
                w(f"      | {line}\n")
            if finding.override_by and not finding.overridden_by and finding.enforcement == "soft":
                w(f"      may be overridden by {', '.join(finding.override_by)}\n")
        for note in decision.overrides:
            if note.status != "applied":
                w(
                    f"  ? override of {note.policy} at {note.path or '/'} by {note.approver}: {note.status}"
                    f" — {note.reason}\n"
                )
        w("\n")

    def invalid(self, document: str, diagnostics: list[Diagnostic]) -> None:
        self.out.write(f"INVALID  {document}\n")
        for d in diagnostics:
            # The line and column too (for a YAML syntax error the pointer is only `/`), unless they
            # are the file's start, where every missing top-level field is reported.
            where = d.pointer or "/"
            if d.span is not None and (d.span.line, d.span.column) != (1, 1):
                where += f" (line {d.span.line}, column {d.span.column})"
            self.out.write(f"  ✗ {where}: {d.message}" + (f" ({d.help})" if d.help else "") + "\n")
        self.out.write("\n")

    def end(self, notes: list[str]) -> None:
        for note in notes:
            self.out.write(f"note: {note}\n")


class JsonReport(Report):
    """`{"results": [...], "policy_set", "charter", "date"}`, streamed result by result."""

    def begin(self, meta: dict[str, Any]) -> None:
        super().begin(meta)
        self.out.write('{"results": [')
        self.first = True

    def _item(self, item: dict[str, Any]) -> None:
        self.out.write(("\n  " if self.first else ",\n  ") + json.dumps(item, sort_keys=False))
        self.first = False

    def decision(self, decision: Decision) -> None:
        self._item(decision.to_json())

    def invalid(self, document: str, diagnostics: list[Diagnostic]) -> None:
        self._item({"document": document, "verdict": "invalid", "diagnostics": [d.to_json() for d in diagnostics]})

    def end(self, notes: list[str]) -> None:
        tail = {k: self.meta[k] for k in ("policy_set", "charter", "date")}
        tail["notes"] = notes
        self.out.write("\n],\n" + json.dumps(tail, indent=1)[1:].lstrip("\n") + "\n")


class _Collecting(Report):
    def begin(self, meta: dict[str, Any]) -> None:
        super().begin(meta)
        self.decisions: list[Decision] = []
        self.invalids: list[tuple[str, list[Diagnostic]]] = []

    def decision(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def invalid(self, document: str, diagnostics: list[Diagnostic]) -> None:
        self.invalids.append((document, diagnostics))


class SarifReport(_Collecting):
    """SARIF 2.1.0 for code-scanning views: one result per finding, the policy as its rule."""

    def end(self, notes: list[str]) -> None:
        rules = [
            {
                "id": p.id,
                "name": p.id,
                "shortDescription": {"text": p.title},
                "fullDescription": {"text": p.meta.get("description") or p.title},
            }
            for p in self.policy_set.policies
        ]
        results: list[dict[str, Any]] = []
        for decision in self.decisions:
            for f in decision.findings:
                level = "error" if f.blocks else ("note" if f.overridden_by else "warning")
                results.append(
                    {
                        "ruleId": f.policy,
                        "level": level,
                        "message": {"text": f.message},
                        "locations": [
                            {
                                "physicalLocation": {"artifactLocation": {"uri": decision.document}},
                                "logicalLocations": [{"fullyQualifiedName": f.path or "/", "kind": "object"}],
                            }
                        ],
                        "relatedLocations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f.source["file"]},
                                    "region": {"startLine": f.source["line"], "startColumn": f.source["column"]},
                                }
                            }
                        ],
                        "properties": {
                            "outcome": f.outcome,
                            "enforcement": f.enforcement,
                            "path": f.path,
                            "override_by": f.override_by,
                            "overridden_by": f.overridden_by,
                        },
                    }
                )
        for document, diagnostics in self.invalids:
            for d in diagnostics:
                results.append(
                    {
                        "ruleId": d.code,
                        "level": "error",
                        "message": {"text": d.message},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": document}}}],
                    }
                )
        sarif = {
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{"tool": {"driver": {"name": "revgate", "rules": rules}}, "results": results}],
        }
        self.out.write(json.dumps(sarif, indent=2) + "\n")


class JunitReport(_Collecting):
    """JUnit XML: a test suite per document, a test case per policy (skips are skipped)."""

    def end(self, notes: list[str]) -> None:
        suites = ET.Element("testsuites", name="revgate")
        for decision in self.decisions:
            suite = ET.SubElement(suites, "testsuite", name=decision.document, tests=str(len(decision.policies)))
            for policy, outcome in decision.policies.items():
                case = ET.SubElement(suite, "testcase", classname=decision.document, name=policy)
                found = [f for f in decision.findings if f.policy == policy]
                if outcome == "skip":
                    ET.SubElement(case, "skipped", message="not applicable")
                elif found and any(f.blocks for f in found):
                    tag = "error" if outcome == "error" else "failure"
                    node = ET.SubElement(case, tag, message=found[0].message)
                    node.text = "\n".join(f"{f.path or '/'}: {f.message}" for f in found)
                elif found:
                    out = ET.SubElement(case, "system-out")
                    out.text = "\n".join(f"{f.enforcement} {f.path or '/'}: {f.message}" for f in found)
        for document, diagnostics in self.invalids:
            suite = ET.SubElement(suites, "testsuite", name=document, tests="1")
            case = ET.SubElement(suite, "testcase", classname=document, name="document is valid")
            node = ET.SubElement(case, "error", message="invalid document")
            node.text = "\n".join(f"{d.pointer or '/'}: {d.message}" for d in diagnostics)
        ET.indent(suites)
        self.out.write(ET.tostring(suites, encoding="unicode") + "\n")


def _escape(text: str, property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


class GithubReport(Report):
    """GitHub Actions workflow commands: an annotation per finding, on the document file."""

    def decision(self, decision: Decision) -> None:
        for f in decision.findings:
            level = "error" if f.blocks else "warning" if not f.overridden_by else "notice"
            title = _escape(f"{f.policy} ({f.enforcement}, {f.outcome}) at {f.path or '/'}", True)
            self.out.write(f"::{level} file={_escape(decision.document, True)},title={title}::{_escape(f.message)}\n")

    def invalid(self, document: str, diagnostics: list[Diagnostic]) -> None:
        for d in diagnostics:
            line = f",line={d.span.line},col={d.span.column}" if d.span else ""
            self.out.write(
                f"::error file={_escape(document, True)}{line},title={_escape(d.code, True)}::"
                f"{_escape((d.pointer or '/') + ': ' + d.message)}\n"
            )

    def end(self, notes: list[str]) -> None:
        for note in notes:
            self.out.write(f"::notice::{_escape(note)}\n")


REPORTS: dict[str, Callable[[TextIO, PolicySet, str], Report]] = {
    "text": TextReport,
    "json": JsonReport,
    "sarif": SarifReport,
    "junit": JunitReport,
    "github": GithubReport,
}
