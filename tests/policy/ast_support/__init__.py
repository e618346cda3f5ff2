"""Helpers for the parser and formatter tests: a plain dump of the AST, strategies, sources."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
"""The shared specification beside the checkout (`../shared`); absent in some checkouts."""

CASES = Path(__file__).resolve().parents[1] / "parser_cases"


REPOSITORY = Path(__file__).resolve().parents[3]


def example_sources() -> list[Path]:
    """Every example and conformance policy file of the shared specification that must parse."""
    if not SHARED.is_dir():
        return []
    examples = sorted((SHARED / "spec" / "examples" / "policies").glob("**/*.rev"))
    return examples + sorted((SHARED / "conformance" / "semantics" / "policies").glob("*.rev"))


def repository_examples() -> list[Path]:
    """The example policy set shipped in this repository (`examples/policies`)."""
    return sorted((REPOSITORY / "examples" / "policies").glob("**/*.rev"))


def case_sources() -> list[Path]:
    """The parser cases of this repository that parse (error cases have `error:` in their YAML)."""
    return sorted(p for p in CASES.glob("*.rev") if not p.name.startswith("error-"))
