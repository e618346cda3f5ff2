"""The document kinds policies check: `comp_plan`, `budget`, `review_template`, `charter`.

Pydantic models (one module per kind) are the single source of truth; from them come the
checker record types (`KINDS[k].record_type`), the value tree a policy sees, the canonical
form that is hashed and stored, and the JSON Schema. Loading reports every problem at once as
`document/…` diagnostics with a JSON Pointer and, for text formats, a span.
"""

from policy.documents.kinds import CHARTER_KPI_TYPE, CHARTER_PERSON_TYPE, KINDS, DocumentKind
from policy.documents.loading import LoadedDocument, load_document, load_document_text, parse_document
from policy.documents.patch import apply_merge_patch, patch_document
from policy.documents.schema import json_schema
from policy.documents.tree import canonical_form, to_document_data, to_value

__all__ = [
    "CHARTER_KPI_TYPE",
    "CHARTER_PERSON_TYPE",
    "KINDS",
    "DocumentKind",
    "LoadedDocument",
    "apply_merge_patch",
    "canonical_form",
    "json_schema",
    "load_document",
    "load_document_text",
    "parse_document",
    "patch_document",
    "to_document_data",
    "to_value",
]
