"""Where the product contract lives: `../shared` beside the checkout (spec and conformance cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"
SPEC_EXAMPLES = SHARED / "spec" / "examples"
EXAMPLES = REPO / "examples"


def require_shared() -> Path:
    """The shared folder, or a skip that says why the conformance cases did not run."""
    if not CONFORMANCE.is_dir():
        pytest.skip(f"conformance cases not found at {CONFORMANCE}: clone the product contract beside the repo")
    return SHARED
