"""Helpers shared by the document tests: where the cases and shared examples are, and walks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from policy.values import DocList, Money

CASES = Path(__file__).resolve().parents[1] / "documents_cases"
SHARED = Path(__file__).resolve().parents[4] / "shared"
REPO_EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def repo_documents() -> list[Path]:
    """The example documents of this repository (`examples/`, not its policies)."""
    found = sorted(REPO_EXAMPLES.rglob("*.yaml")) if REPO_EXAMPLES.is_dir() else []
    return [p for p in found if "policies" not in p.relative_to(REPO_EXAMPLES).parts]


def shared_documents() -> list[Path]:
    """Every example document under ../shared (spec examples and conformance documents)."""
    if not SHARED.is_dir():
        return []
    found = sorted((SHARED / "spec" / "examples").rglob("*.yaml"))
    found += sorted((SHARED / "conformance").rglob("documents/*.yaml"))
    return [p for p in found if "policies" not in p.parts]


def value_at(tree: Any, pointer: str) -> Any:
    """The value at a JSON Pointer."""
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        tree = tree[int(token)] if isinstance(tree, list) else tree[token]
    return tree


def walk(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer, value) of a value tree, following `from`/`to` references only once."""
    yield pointer, value
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("from", "to") or not isinstance(item, dict):
                yield from walk(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{pointer}/{i}")


RUNTIME_TYPES = (str, bool, Decimal, Money, dt.date, dict, DocList, type(None))
