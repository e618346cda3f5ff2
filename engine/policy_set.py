"""A compiled policy set: prepare once (parse, check, compile, cache by content hash), evaluate many.

`compile_policy_set` is what the CLI and the service call; `PolicySet.evaluate` turns one
document into a `Decision`. Evaluation fails closed: anything that goes wrong inside a policy
becomes an `error` finding of that policy, never an exception out of `evaluate`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.compiler import CompiledPolicy, CompiledSet, compile_checked
from engine.decision import Decision, Finding, unexplained
from engine.explain import Explainer
from engine.interpreter import Interpreter
from engine.overrides import Override, apply_overrides
from engine.runtime import DEFAULT_MAX_STEPS, EvalContext, EvalError, charter_indexes, thread_decimal_context
from policy.checker import CheckedPolicy, CheckedSet
from policy.documents import LoadedDocument
from policy.policy_set import check_files, content_hash, read_policy_dir

_CACHE_SIZE = 32
_cache: OrderedDict[str, PolicySet] = OrderedDict()
_cache_lock = threading.Lock()


class PolicySet:
    """A checked and compiled policy set, identified by the sha256 of its files."""

    def __init__(self, files: Mapping[str, str], checked: CheckedSet, compiled: CompiledSet, sha256: str) -> None:
        self.files = dict(files)
        self.checked = checked
        self.compiled = compiled
        self.sha256 = sha256
        self.policy_ids = [p.id for p in checked.policies]
        self._by_kind: dict[str, list[CompiledPolicy]] = {}
        for policy in compiled.policies:
            self._by_kind.setdefault(policy.checked.document_kind, []).append(policy)
        self._local = threading.local()
        """Per thread, the evaluation context last used (see `evaluate`)."""
        self._kinds = {
            kind: (compiled.kind_functions.get(kind), {p.checked.id: "pass" for p in members})
            for kind, members in self._by_kind.items()
        }

    @property
    def policies(self) -> list[CheckedPolicy]:
        return self.checked.policies

    def policies_for(self, kind: str) -> list[CompiledPolicy]:
        return self._by_kind.get(kind, [])

    def evaluate(
        self,
        document: LoadedDocument,
        *,
        charter: LoadedDocument | None,
        date: dt.date,
        overrides: Sequence[Override] = (),
        submitted_by: str | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> Decision:
        """Evaluate every policy on the document's kind; the charter is the document when it is one."""
        kind = document.kind
        value = document.value
        if kind == "charter":
            charter_value: Any = value
            indexes = None
        elif charter is None:
            charter_value, indexes = _NO_CHARTER
        else:
            entry = _context_cache.get(id(charter))  # a dict read is atomic; only writers take the lock
            if entry is None or entry[0] is not charter:
                entry = _context_entry(charter)
            charter_value, indexes = entry[1], entry[2]
        # One context serves every evaluation of a thread with the same charter, date and budget;
        # each policy resets the steps it spends. Params start afresh for every document: a
        # param's steps are charged to the policy that computes it first, so a cache kept from
        # an earlier document would make this decision depend on that one.
        ctx = getattr(self._local, "ctx", None)
        if ctx is None or ctx.charter is not charter_value or ctx.today != date or ctx.max_steps != max_steps:
            ctx = self._local.ctx = EvalContext(charter_value, date, max_steps, indexes)
        elif ctx.params:
            ctx.params = {}
        function, all_pass = self._kinds.get(kind, _NO_POLICIES)
        outcomes = dict(all_pass)
        findings: list[Finding] = []
        if function is not None:
            pending: list[tuple[int, list[Any]]] = []
            previous = decimal.getcontext()
            mine = thread_decimal_context()
            if previous is mine:  # the thread already computes as the engine does (see `use_engine_decimals`)
                function(ctx, value, outcomes, pending)
                if pending:
                    findings = self._findings(ctx, pending, outcomes)
            else:  # compute with the engine's context, and give the caller's back
                decimal.setcontext(mine)
                try:
                    function(ctx, value, outcomes, pending)
                    if pending:
                        findings = self._findings(ctx, pending, outcomes)
                finally:
                    decimal.setcontext(previous)
        decision = Decision(
            document.source, kind, document.id, date, findings, outcomes, self.sha256, charter_value, value
        )
        if overrides:
            apply_overrides(decision, overrides, submitted_by)
        return decision

    def _findings(
        self, ctx: EvalContext, pending: list[tuple[int, list[Any]]], outcomes: dict[str, str]
    ) -> list[Finding]:
        """The findings of the policies that did not pass, in policy order.

        A failed `require` left its finished `Finding` (its finder ran where it failed); a clause
        that raised left a record, explained here on the interpreter — rare, and it needs
        precision more than speed.
        """
        explainer: Explainer | None = None
        findings: list[Finding] = []
        for position, out in pending:
            policy = self.compiled.policies[position]
            errors = False
            for record in out:
                if record.__class__ is Finding:
                    finding = record
                else:
                    if explainer is None:
                        explainer = Explainer(self.checked, Interpreter(self.checked, ctx))
                    finding = _error_finding(explainer, policy, *record)
                errors = errors or finding.outcome == "error"
                findings.append(finding)
            outcomes[policy.checked.id] = "error" if errors else "fail"
        return findings


_NO_POLICIES: tuple[None, dict[str, str]] = (None, {})
_Indexes = tuple[dict[str, Any], dict[str, Any]]
_context_cache: OrderedDict[int, tuple[LoadedDocument, dict[str, Any], _Indexes]] = OrderedDict()
_NO_CHARTER: tuple[None, _Indexes] = (None, ({}, {}))


def context_value(charter: LoadedDocument | None) -> dict[str, Any] | None:
    """The charter as context: its lists are plain lists, so findings never point into it.

    Only the document being checked gives findings a path; a `for each` over
    `charter.shared_kpis` inside a budget policy keeps the budget path. Converted once per
    charter and kept while the charter is in use.
    """
    return None if charter is None else _context_entry(charter)[1]


def _context_entry(charter: LoadedDocument) -> tuple[LoadedDocument, dict[str, Any], _Indexes]:
    key = id(charter)
    hit = _context_cache.get(key)  # a dict read is atomic; only writers take the lock
    if hit is not None and hit[0] is charter:
        return hit
    converted = _plain(charter.value, {})
    entry = (charter, converted, charter_indexes(converted))
    with _cache_lock:
        _context_cache[key] = entry
        while len(_context_cache) > _CACHE_SIZE:
            _context_cache.popitem(last=False)
    return entry


def _plain(value: Any, memo: dict[int, Any]) -> Any:
    if isinstance(value, dict | list):
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, dict):
            copy: Any = {}
            memo[id(value)] = copy
            copy.update({k: _plain(v, memo) for k, v in value.items()})
        else:
            copy = []
            memo[id(value)] = copy
            copy.extend(_plain(v, memo) for v in value)
        return copy
    return value


def _error_finding(
    explainer: Explainer,
    policy: CompiledPolicy,
    site_index: int,
    path: str,
    error: BaseException | None,
    scope: tuple[Any, ...],
) -> Finding:
    """The finding of a clause that raised, or of a policy stopped as a whole (site -1).

    Nothing raised while explaining escapes `evaluate`: the clause still blocks, fail closed.
    """
    checked = policy.checked
    try:
        explainer.interp.ctx.steps = 0  # a fresh budget: the policy may have spent the shared one
        if site_index >= 0:
            site = policy.sites[site_index]
            env = dict(zip(site.names, scope, strict=True))
            code, message = explainer.error(site.node, env, error or EvalError("eval/invalid-operation", ""))
            source = site.source or {}
        else:
            env = {}
            code = getattr(error, "code", "eval/internal")
            message = getattr(error, "message", None) or f"the policy could not be evaluated ({type(error).__name__})"
            source = policy.source
        soft = checked.enforcement == "soft"
        return Finding(
            policy=checked.id,
            title=checked.title,
            outcome="error",
            enforcement=checked.enforcement,
            message=message,
            path=path,
            values={},
            source=source,
            override_by=explainer.override_by(checked.override_by, env) if soft else None,
            code=code,
            scope=scope,
        )
    except Exception as problem:
        return unexplained(checked.id, checked.title, checked.enforcement, path, policy.source, problem)


def compile_policy_set(files: Mapping[str, str], prefix: str = "") -> PolicySet:
    """Parse, check and compile `{name: source}`; cached by content hash. Raises DiagnosticError."""
    sha256 = content_hash(files)
    key = f"{prefix}\0{sha256}"
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    checked = check_files(files, prefix)
    policy_set = PolicySet(files, checked, compile_checked(checked), sha256)
    with _cache_lock:
        _cache[key] = policy_set
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return policy_set


def load_policy_dir(root: Path) -> PolicySet:
    """Every `.rev` file under `root`, compiled; diagnostics name files as `root/relative`."""
    prefix = "" if str(root) in ("", ".") else f"{root.as_posix().rstrip('/')}/"
    return compile_policy_set(read_policy_dir(root), prefix)
