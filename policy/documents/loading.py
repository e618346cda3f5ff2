"""Loading documents: text or files or already-parsed data in, one `LoadedDocument` out.

Every path ends in `build_document`. A valid document — the common case — is loaded by the
fast path (`fast_path.py`): one walk that checks the data and builds the value tree and the
canonical form. On any doubt, `build_thoroughly` does it step by step: prepare the data
(limits, no floats), pick the kind, validate with pydantic, run the cross-field checks, and
raise one `DiagnosticError` carrying every problem found — or build the value tree and
canonical form. Both give the same document; only the thorough path reports problems.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel, ValidationError

from policy.canonical import canonical_json
from policy.diagnostics import DiagnosticError, did_you_mean
from policy.documents.checks import check_document
from policy.documents.csv_budget import read_csv_budget
from policy.documents.errors import report_validation_error
from policy.documents.fast_path import load_valid
from policy.documents.json_text import parse_json
from policy.documents.kinds import KINDS
from policy.documents.limits import MAX_DOCUMENT_BYTES
from policy.documents.prepare import prepare
from policy.documents.report import Reporter
from policy.documents.scalars import clip, describe, plain_currency
from policy.documents.tree import canonical_form, to_model, to_value
from policy.documents.xlsx_budget import read_xlsx_budget
from policy.documents.yaml_text import parse_yaml

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


T = TypeVar("T")


class _computed_once(Generic[T]):
    """`functools.cached_property` without its lock.

    On Python 3.11 that lock is one per property, shared by every instance, and held while the
    value is computed: the service's request threads, each hashing its own document, queued on
    it behind each other's JSON encoding. A value computed twice by two threads at once is the
    same value, so no lock is needed; after the first computation the instance's own attribute
    answers (this is a non-data descriptor).
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _computed_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | _computed_once[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


@dataclass(frozen=True)
class LoadedDocument:
    """A validated document: the value tree policies see, its canonical form, and its model."""

    kind: str
    id: str | None
    source: str
    value: dict[str, Any]
    canonical: dict[str, Any]
    validated: BaseModel | None = field(default=None, repr=False, compare=False)
    """The model pydantic built, when the thorough path loaded the document (else see `model`)."""

    @_computed_once
    def model(self) -> BaseModel:
        """The pydantic model of the document, built from the value tree on first use.

        Nothing on the service's path needs it, so the fast path does not build it.
        """
        return self.validated if self.validated is not None else to_model(self.value, KINDS[self.kind].model)

    @_computed_once
    def canonical_json(self) -> str:
        """The canonical form as text: sorted keys, no spaces, non-ASCII kept as is.

        The format of the decision log's records, which embed it: encoded once here, it serves
        both the content hash and the record (`api.storage.decision_log.canonical_json_with`).
        """
        return canonical_json(self.canonical)

    @_computed_once
    def sha256(self) -> str:
        """The content hash of the canonical form (stable across formats and notations).

        Hashed over the ASCII-escaped text, as it always was. That text is `canonical_json`
        itself unless the document holds a character the escaping changes: one outside ASCII,
        or DEL (ASCII, but escaped as `\\u007f`); control characters are escaped by both alike.
        """
        text = self.canonical_json
        if not text.isascii() or "\x7f" in text:
            text = json.dumps(self.canonical, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _kind_of(data: Any, expected_kind: str | None, reporter: Reporter) -> str | None:
    """The document's kind, or None after reporting why there is none."""
    names = list(KINDS)
    if not isinstance(data, Mapping):
        reporter.add(
            "document/invalid-value", "", f"expected a document (a record with `kind`), found {describe(data)}"
        )
        return None
    kind = data.get("kind", expected_kind)
    if kind is None:
        help = "add `kind:` with one of " + ", ".join(f"`{n}`" for n in names)
        reporter.add("document/missing-field", "/kind", "missing field `kind`", help)
        return None
    if not isinstance(kind, str) or kind not in KINDS:
        help = did_you_mean(kind, names) if isinstance(kind, str) else None
        listed = ", ".join(f"`{n}`" for n in names)
        reporter.add("document/unknown-kind", "/kind", f"expected a kind ({listed}), found {describe(kind)}", help)
        return None
    if expected_kind is not None and kind != expected_kind:
        reporter.add("document/invalid-value", "/kind", f"expected a `{expected_kind}` document, found `{clip(kind)}`")
        return None
    return kind


LOADING_CONTEXT = decimal.Context()
"""Documents load under one fixed decimal context (Python's default), whatever the caller's:
the same text gives the same values in the CLI, the service and a test, and the fast path's
memoised conversions always hold."""


def build_document(data: Any, reporter: Reporter, expected_kind: str | None = None) -> LoadedDocument:
    """Validate parsed data; raise one `DiagnosticError` with everything wrong, or return the document.

    The fast path is tried only when the parser found nothing wrong (a duplicate key, say);
    whenever it is not sure, the thorough path decides.
    """
    with decimal.localcontext(LOADING_CONTEXT):
        return _build(data, reporter, expected_kind)


def _build(data: Any, reporter: Reporter, expected_kind: str | None) -> LoadedDocument:
    if not reporter.diagnostics:
        loaded = load_valid(data, expected_kind)
        if loaded is not None:
            kind, value, canonical = loaded
            document_id = value.get("id")
            return LoadedDocument(
                kind, document_id if isinstance(document_id, str) else None, reporter.file, value, canonical
            )
    return build_thoroughly(data, reporter, expected_kind)


def build_thoroughly(data: Any, reporter: Reporter, expected_kind: str | None = None) -> LoadedDocument:
    """`build_document` step by step, finding and locating every problem (the fast path's fallback)."""
    if expected_kind is not None and expected_kind not in KINDS:
        reporter.add(
            "document/unknown-kind",
            "",
            f"unknown document kind `{clip(expected_kind)}`",
            did_you_mean(expected_kind, KINDS),
        )
        raise DiagnosticError(reporter.diagnostics)
    prepared, within_limits = prepare(data, reporter)
    kind = _kind_of(prepared, expected_kind, reporter) if within_limits else None
    if kind is None:
        raise DiagnosticError(reporter.diagnostics)
    prepared = {"kind": kind, **prepared}
    model_class = KINDS[kind].model
    model = None
    try:
        model = model_class.model_validate(prepared, context={"currency": plain_currency(prepared)})
    except ValidationError as error:
        report_validation_error(model_class, error, reporter)
    check_document(prepared, model_class, reporter)
    if reporter.diagnostics or model is None:
        raise DiagnosticError(reporter.diagnostics)
    value = to_value(model)
    document_id = value.get("id")
    return LoadedDocument(
        kind,
        document_id if isinstance(document_id, str) else None,
        reporter.file,
        value,
        canonical_form(value, model_class),
        model,
    )


def _too_large(reporter: Reporter, size: int) -> DiagnosticError:
    message = f"expected at most {MAX_DOCUMENT_BYTES:,} bytes, found {size:,}"
    reporter.add("document/too-large", "", message)
    return DiagnosticError(reporter.diagnostics)


def load_document_text(text: str, name: str, fmt: str) -> LoadedDocument:
    """Load a document from YAML, JSON or CSV text (`fmt`: "yaml", "json" or "csv")."""
    reporter = Reporter(name)
    if len(text) > MAX_DOCUMENT_BYTES or len(text.encode("utf-8", "replace")) > MAX_DOCUMENT_BYTES:
        raise _too_large(reporter, len(text.encode("utf-8", "replace")))
    text = text.removeprefix("\ufeff")
    if fmt == "csv":
        data = read_csv_budget(text, reporter, Path(name).stem)
        if data is None:
            raise DiagnosticError(reporter.diagnostics)
        return build_document(data, reporter, "budget")
    parsers = {"yaml": parse_yaml, "json": parse_json}
    if fmt not in parsers:
        reporter.add("document/unknown-format", "", f"expected format `yaml`, `json` or `csv`, found `{clip(fmt)}`")
        raise DiagnosticError(reporter.diagnostics)
    data, parsed = parsers[fmt](text, reporter)
    if not parsed:
        raise DiagnosticError(reporter.diagnostics)
    return build_document(data, reporter)


def load_document(path: Path) -> LoadedDocument:
    """Load a document file: `.yaml`/`.yml`, `.json`, or a budget as `.csv`/`.xlsx`."""
    reporter = Reporter(str(path))
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        listed = ", ".join(f"`{s}`" for s in FORMATS)
        reporter.add("document/unknown-format", "", f"expected a file ending in {listed}, found `{clip(path.name)}`")
        raise DiagnosticError(reporter.diagnostics)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _too_large(reporter, size)
        content = path.read_bytes()
    except OSError as error:
        reporter.add("document/unreadable", "", f"cannot read the file: {clip(error.strerror or str(error), 80)}")
        raise DiagnosticError(reporter.diagnostics) from None
    if fmt == "xlsx":
        data = read_xlsx_budget(content, reporter, path.stem)
        if data is None:
            raise DiagnosticError(reporter.diagnostics)
        return build_document(data, reporter, "budget")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reporter.add("document/syntax", "", f"expected UTF-8 text, found a byte that is not (at offset {error.start})")
        raise DiagnosticError(reporter.diagnostics) from None
    return load_document_text(text, str(path), fmt)


def parse_document(data: Any, name: str, expected_kind: str | None = None) -> LoadedDocument:
    """Load already-parsed data (an API body, a test's record); floats become `Decimal(repr(f))`.

    Without `kind` the data is taken as `expected_kind` when one is given.
    """
    return build_document(data, Reporter(name), expected_kind)
