"""`rev`: the command line — validate, check, test, fmt, schema, serve, keys.

A thin shell over `policy/` and `engine/`. Exit codes: 0 clean (nothing blocks), 1 a problem
was found (a diagnostic, a blocking decision, a failing test), 2 the command was used wrongly
or an input could not be read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands import register as register_service_commands
from api.reports import REPORTS
from policy.diagnostics import Diagnostic, DiagnosticError, Stage, render_all
from policy.documents import KINDS, LoadedDocument, json_schema, load_document
from policy.policy_set import check_files, read_policy_dir, sources_of
from policy.source import Source

app = typer.Typer(
    name="rev",
    help="Revgate: policy-as-code for revenue governance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")
_KIND_KEY = re.compile(r'^kind\s*:|"kind"\s*:', re.M)


def _documents_under(root: Path) -> list[Path]:
    """The documents in a directory: spreadsheets, and YAML/JSON files that declare a `kind`.

    A policy repository also holds other YAML (overrides, expected-decision cases, CI config);
    a file named on the command line is always taken as a document.
    """
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES):
        if path.suffix.lower() in (".csv", ".xlsx"):
            found.append(path)
            continue
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:65536]
        except OSError:
            head = "kind:"
        if _KIND_KEY.search(head):
            found.append(path)
    return found


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


class FailOn(StrEnum):
    block = "block"
    warn = "warn"


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _policy_root_prefix(root: Path) -> str:
    return f"{root.as_posix().rstrip('/')}/"


# ---- validate ----------------------------------------------------------------------------------


def _collect(paths: list[Path]) -> tuple[dict[str, str], list[Path]]:
    """Split inputs into `.rev` sources (keyed by path) and document files."""
    sources: dict[str, str] = {}
    documents: list[Path] = []
    for path in paths:
        if not path.exists():
            raise _usage_error(f"`{path}` does not exist")
        if path.is_dir():
            for name, text in read_policy_dir(path).items():
                sources[f"{_policy_root_prefix(path)}{name}"] = text
            documents.extend(_documents_under(path))
        elif path.suffix == ".rev":
            sources[path.as_posix()] = path.read_text(encoding="utf-8")
        elif path.suffix.lower() in DOCUMENT_SUFFIXES:
            documents.append(path)
        else:
            raise _usage_error(
                f"`{path}` is neither a `.rev` file, a directory nor a document ({', '.join(DOCUMENT_SUFFIXES)})"
            )
    return sources, documents


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="`.rev` files, policy directories or documents")],
    format: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for tools")
    ] = OutputFormat.text,
) -> None:
    """Check policies and documents before anything runs: every problem, located, with a fix."""
    sources, documents = _collect(paths)
    diagnostics: list[Diagnostic] = []
    policies = 0
    if sources:
        try:
            policies = len(check_files(sources).policies)
        except DiagnosticError as error:
            diagnostics.extend(error.diagnostics)
    texts = sources_of(sources)
    for document in documents:
        try:
            load_document(document)
        except DiagnosticError as error:
            diagnostics.extend(error.diagnostics)
            if document.suffix.lower() in (".yaml", ".yml", ".json", ".csv"):
                texts[str(document)] = Source(str(document), document.read_text(encoding="utf-8", errors="replace"))
    if format is OutputFormat.json:
        typer.echo(json.dumps({"diagnostics": [d.to_json() for d in diagnostics]}, indent=2))
    elif diagnostics:
        typer.echo(render_all(diagnostics, texts))
    else:
        typer.echo(f"ok: {policies} policies in {len(sources)} files, {len(documents)} documents — no problems")
    raise typer.Exit(1 if diagnostics else 0)


# ---- check -------------------------------------------------------------------------------------


def _load_policies(root: Path, given_as: str = "--policies DIR") -> Any:
    """Compile the set in `root`; `given_as` is how the command takes it, for the error messages."""
    from engine import compile_policy_set

    if root.is_file():
        # A policy can use what other files of its set define, so a set is a directory.
        example = given_as.replace("DIR", str(root.parent))
        raise _usage_error(f"`{root}` is a file; give the directory of the policy set (e.g. `{example}`)")
    if not root.is_dir():
        raise _usage_error(f"policy directory `{root}` not found (give one with {given_as})")
    files = read_policy_dir(root)
    prefix = _policy_root_prefix(root)
    try:
        return compile_policy_set(files, prefix), prefix
    except DiagnosticError as error:
        typer.echo(render_all(error.diagnostics, sources_of(files, prefix)), err=True)
        raise typer.Exit(2) from None


def _load_charter(path: Path | None) -> LoadedDocument | None:
    if path is None:
        return None
    try:
        charter = load_document(path)
    except DiagnosticError as error:
        typer.echo(render_all(error.diagnostics), err=True)
        raise typer.Exit(2) from None
    if charter.kind != "charter":
        raise _usage_error(f"`{path}` is a {charter.kind}, not a charter")
    return charter


def _documents(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from _documents_under(path)
        elif path.exists():
            yield path
        else:
            raise _usage_error(f"`{path}` does not exist")


@app.command()
def check(
    documents: Annotated[list[Path], typer.Argument(help="documents, or directories of them")],
    policies: Annotated[Path, typer.Option(help="the policy directory")] = Path("policies"),
    charter: Annotated[Path | None, typer.Option(help="the governance charter (YAML or JSON)")] = None,
    date: Annotated[str | None, typer.Option(help="evaluation date, YYYY-MM-DD (default: today)")] = None,
    overrides: Annotated[Path | None, typer.Option(help="a YAML or JSON list of overrides")] = None,
    format: Annotated[CheckFormat, typer.Option("--format")] = CheckFormat.text,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 1 on block, or on warn too")] = FailOn.block,
) -> None:
    """Evaluate documents against the policies and the charter; exit 1 when something blocks."""
    from api.overrides_file import load_overrides
    from engine import decision_envelope
    from engine.runtime import decimal_context

    when = _parse_date(date)
    policy_set, prefix = _load_policies(policies)
    charter_doc = _load_charter(charter)
    offered = load_overrides(overrides) if overrides is not None else []
    paths = list(_documents(documents))
    report = REPORTS[format.value](sys.stdout, policy_set, prefix)
    report.begin(decision_envelope([], policy_set, charter_doc, when))
    worst, invalid, used = "pass", False, set()
    with decimal_context():  # computing as the engine does, no evaluation swaps contexts
        for path in _progress(paths, format is CheckFormat.text):
            try:
                document = load_document(path)
            except DiagnosticError as error:
                report.invalid(str(path), error.diagnostics)
                invalid = True
                continue
            decision = policy_set.evaluate(document, charter=charter_doc, date=when, overrides=offered)
            used.update(i for i, o in enumerate(offered) if _touched(o, decision))
            worst = max(worst, decision.verdict, key=["pass", "warn", "block"].index)
            report.decision(decision)
    notes = [
        f"override of {o.policy} at {o.path or '/'} by {o.approver} matched no finding"
        for i, o in enumerate(offered)
        if i not in used and o.document is None
    ]
    report.end(notes)
    if invalid:
        raise typer.Exit(2)
    failing = ("block",) if fail_on is FailOn.block else ("block", "warn")
    raise typer.Exit(1 if worst in failing else 0)


def _touched(override: Any, decision: Any) -> bool:
    return any(f.policy == override.policy and f.path == override.path for f in decision.findings)


def _progress(paths: list[Path], enabled: bool) -> Iterator[Path]:
    """A progress bar on standard error when it is a terminal and there is much to do."""
    if not enabled or len(paths) < 20 or not sys.stderr.isatty():
        yield from paths
        return
    from rich.progress import track

    yield from track(paths, description="checking", console=_stderr_console(), transient=True)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _usage_error(f"--date `{text}` is not a date; write YYYY-MM-DD") from None


# ---- test, fmt, schema -------------------------------------------------------------------------


@app.command("test")
def run_tests_command(
    directory: Annotated[Path, typer.Argument(help="a policy directory with `test` blocks")],
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text,
    min_coverage: Annotated[float, typer.Option("--min-coverage", help="fail below this check coverage (%)")] = 0,
    date: Annotated[str | None, typer.Option(help="evaluation date, YYYY-MM-DD (default: today)")] = None,
) -> None:
    """Run every `test` block; report expected vs actual and which checks no test made fail and pass."""
    from engine.testing import run_tests

    policy_set, _prefix = _load_policies(directory, "rev test DIR")
    report = run_tests(policy_set, _parse_date(date))
    if format is OutputFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_test_report(report)
    below = report.coverage_percent < min_coverage
    if below and format is OutputFormat.text:
        typer.echo(f"coverage {report.coverage_percent}% is below the minimum {min_coverage}%")
    raise typer.Exit(1 if report.failed or below else 0)


def _print_test_report(report: Any) -> None:
    for result in report.results:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'}  {result.name}  ({result.file}:{result.line})")
        if result.error:
            typer.echo(f"      error: {result.error}")
        for failure in result.failures:
            typer.echo(f"      {failure.expectation}: expected {failure.expected}, got {failure.actual}")
            for message in failure.messages:
                typer.echo(f"        - {message}")
    typer.echo(f"\n{report.passed} passed, {report.failed} failed")
    typer.echo(f"check coverage: {report.coverage_percent}%")
    for item in report.uncovered():
        typer.echo(
            f"  not covered: {item['policy']} ({item['file']}:{item['line']}) — no test makes it "
            + " or ".join(item["missing"])
        )


@app.command()
def fmt(
    paths: Annotated[list[Path], typer.Argument(help="`.rev` files or directories")],
    check_only: Annotated[bool, typer.Option("--check", help="exit 1 if a file would change; write nothing")] = False,
) -> None:
    """Rewrite `.rev` files in the canonical layout."""
    from policy.formatter import FormatMismatch, format_source

    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.rev")) if path.is_dir() else [path])
    changed, problems = [], []
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            formatted = format_source(text, str(file))
        except DiagnosticError as error:
            problems.extend(error.diagnostics)
            continue
        except FormatMismatch:
            problems.append(
                Diagnostic(
                    "format/internal",
                    "the formatter could not keep this file's meaning; it was left unchanged",
                    Stage.USAGE,
                    file=str(file),
                    help="please report this file to the Revgate maintainers",
                )
            )
            continue
        if formatted != text:
            changed.append(file)
            if not check_only:
                file.write_text(formatted, encoding="utf-8")
    if problems:
        typer.echo(render_all(problems, {str(f): Source(str(f), f.read_text()) for f in files}), err=True)
    for file in changed:
        typer.echo(f"{'would reformat' if check_only else 'reformatted'} {file}")
    raise typer.Exit(1 if problems or (check_only and changed) else 0)


@app.command()
def schema(kind: Annotated[str, typer.Argument(help="comp_plan, budget, review_template or charter")]) -> None:
    """Print the JSON Schema of a document kind."""
    if kind not in KINDS:
        from policy.diagnostics import did_you_mean

        raise _usage_error(f"unknown kind `{kind}`; " + (did_you_mean(kind, KINDS) or "kinds: " + ", ".join(KINDS)))
    typer.echo(json.dumps(json_schema(kind), indent=2))


# `rev serve` and `rev keys` live with the service; their dependencies are core dependencies.
register_service_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
