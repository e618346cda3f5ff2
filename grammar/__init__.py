"""The Lark grammar of the `.rev` language, and nothing else but its loader."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def grammar_text() -> str:
    """Return the text of `rev.lark`; read once, since the grammar never changes at run time."""
    return resources.files(__package__).joinpath("rev.lark").read_text(encoding="utf-8")
