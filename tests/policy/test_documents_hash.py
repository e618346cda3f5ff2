"""A loaded document's canonical text and content hash.

`canonical_json` (non-ASCII kept) is encoded once and reused for the hash when escaping would
not change it; the hash must stay what it always was: sha256 of the ASCII-escaped canonical
text, or every `document_sha256` recorded before would stop matching.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from policy.documents.loading import LoadedDocument

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=16) | st.sampled_from(
    ["\x7f", "a\x7fb", "é", "\u2028", "\x00", "\x1f", "😀", '"\\/']
)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=16,
)


def _document(canonical: dict[str, Any]) -> LoadedDocument:
    return LoadedDocument("budget", None, "<test>", canonical, canonical)


@given(st.dictionaries(text, values, max_size=6))
def test_the_hash_is_that_of_the_ascii_escaped_canonical_text(canonical: dict[str, Any]) -> None:
    document = _document(canonical)
    escaped = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    assert document.sha256 == hashlib.sha256(escaped.encode()).hexdigest()
    assert document.canonical_json == json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_del_is_ascii_but_escaped_in_the_hashed_text() -> None:
    document = _document({"note": "a\x7fb"})
    assert document.canonical_json == '{"note":"a\x7fb"}'
    assert document.sha256 == hashlib.sha256(b'{"note":"a\\u007fb"}').hexdigest()


def test_the_canonical_text_and_hash_are_computed_once() -> None:
    document = _document({"id": "bud-1", "lines": [1, 2]})
    assert document.canonical_json is document.canonical_json
    assert document.sha256 is document.sha256
    assert "canonical_json" in vars(document) and "sha256" in vars(document)
