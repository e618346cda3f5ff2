"""JSON Merge Patch (RFC 7396), for a `test` block's `given KIND from "FILE" with {…}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.documents.kinds import KINDS
from policy.documents.loading import LoadedDocument, parse_document
from policy.documents.tree import canonical_form, to_document_data


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """`target` patched: records merge key by key, lists and scalars replace, `None` removes.

    Neither argument is modified; the result shares no records with `target`.
    """
    if not isinstance(patch, Mapping):
        return patch
    result = {k: v for k, v in target.items()} if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


def patch_document(document: LoadedDocument, patch: Mapping[str, Any]) -> LoadedDocument:
    """A loaded document with a merge patch of run-time values applied, validated again.

    The patch may hold what a policy test writes (`weight: 100%` is `Decimal("1")`, money is
    `Money`): it is turned into document notation by the kind's field types first, so a
    percent of 150% is not mistaken for the slip `1.5`.
    """
    model = KINDS[document.kind].model
    base = canonical_form(document.value, model, json_safe=False)
    merged = apply_merge_patch(base, to_document_data(patch, model))
    return parse_document(merged, document.source, document.kind)
