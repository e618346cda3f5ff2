"""A policy set as files: read a directory of `.rev` files, parse them all, check them together.

Every file is parsed even when an earlier one is broken, so one run reports every syntax error
in the set; the checker runs once all files parse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from policy.ast import Module
from policy.checker import CheckedSet, check_modules
from policy.diagnostics import Diagnostic, DiagnosticError
from policy.parser import parse_module
from policy.source import Source


def read_policy_dir(root: Path) -> dict[str, str]:
    """Every `.rev` file under `root`, keyed by its path relative to `root` (sorted, `/`-separated)."""
    files = sorted(p for p in root.rglob("*.rev") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in files}


def content_hash(files: Mapping[str, str]) -> str:
    """The sha256 of a policy set: file names and contents, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        encoded = files[name].encode("utf-8")
        digest.update(f"{name}\0{len(encoded)}\0".encode())
        digest.update(encoded)
    return digest.hexdigest()


def parse_files(files: Mapping[str, str], prefix: str = "") -> list[Module]:
    """Parse every file; raise DiagnosticError with the syntax errors of all of them."""
    modules: list[Module] = []
    problems: list[Diagnostic] = []
    for name in sorted(files):
        try:
            modules.append(parse_module(files[name], prefix + name))
        except DiagnosticError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    return modules


def check_files(files: Mapping[str, str], prefix: str = "") -> CheckedSet:
    """Parse and check a policy set given as {name: source}."""
    return check_modules(parse_files(files, prefix))


def sources_of(files: Mapping[str, str], prefix: str = "") -> dict[str, Source]:
    """Sources by file name, for rendering diagnostics with the offending line."""
    return {prefix + name: Source(prefix + name, text) for name, text in files.items()}
