"""Checking a policy's clauses and a test's statements, and finding def cycles.

Split from `checker.py` so each module keeps one job: the checker owns the symbol tables,
this module walks the clauses of one policy or test against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policy import ast
from policy import types as T
from policy.diagnostics import Diagnostic, Stage, did_you_mean
from policy.inference import ExprChecker, Scope

if TYPE_CHECKING:
    from policy.checker import CheckedPolicy, CheckedTest, SetChecker

_TOP_ONLY = (ast.On, ast.When, ast.Enforce, ast.Meta)
_OUTCOMES = {"passes": "pass", "fails": "fail", "skips": "skip", "errors": "error"}


@dataclass
class _PolicyWalk:
    """What walking one policy's clauses gathers: the scope of every check, in order."""

    checker: SetChecker
    exprs: ExprChecker
    check_scopes: list[tuple[ast.Require, dict[str, T.Type], tuple[str, ...]]] = field(default_factory=list)

    def report(self, code: str, message: str, node: Any, help: str | None = None) -> None:
        self.checker.report(Diagnostic(code, message, Stage.CHECK, node.span, help=help))

    def body(self, clauses: tuple[ast.Clause, ...], scope: dict[str, T.Type], loops: tuple[str, ...]) -> None:
        """Check `let`, `require` and `for each` in order; `let` extends the scope of what follows."""
        scope = dict(scope)
        for clause in clauses:
            if isinstance(clause, ast.Let):
                self._bind(clause.name, clause.name_span, scope, loops)
                scope[clause.name] = self.exprs.infer(clause.value, scope)
            elif isinstance(clause, ast.Require):
                self.exprs.expect_bool(clause.condition, scope, "a `require` condition")
                if clause.message is not None:
                    for part in clause.message.parts:
                        if isinstance(part, ast.Expr):
                            self.exprs.infer(part, scope)
                self.check_scopes.append((clause, dict(scope), loops))
            elif isinstance(clause, ast.ForEach):
                inner = dict(
                    self.exprs._bind_item(clause.var, clause.source, scope, clause.var_span, shadow_check=False)
                )
                self._bind(clause.var, clause.var_span, scope, loops)
                if clause.where is not None:
                    self.exprs.expect_bool(clause.where, inner, "a `where` filter")
                self.body(clause.body, inner, (*loops, clause.var))
            elif loops:
                word = clause.key if isinstance(clause, ast.Meta) else type(clause).__name__.lower()
                self.report(
                    "check/misplaced-clause",
                    f"`{word}` belongs at the top of the policy, not in `for each`",
                    clause,
                    help="move it out of the `for each` block",
                )

    def _bind(self, name: str, span: Any, scope: Scope, loops: tuple[str, ...]) -> None:
        if name in scope:
            self.checker.report(
                Diagnostic(
                    "check/shadowed-name",
                    f"`{name}` is already bound here",
                    Stage.CHECK,
                    span,
                    help="choose another name, so every use of it means one thing",
                )
            )


def _single(walk: _PolicyWalk, clauses: list[Any], what: str) -> Any:
    for extra in clauses[1:]:
        walk.report(
            "check/duplicate-clause",
            f"a policy has one `{what}` clause",
            extra,
            help=f"merge the `{what}` clauses into one",
        )
    return clauses[0] if clauses else None


def check_policy_clauses(checker: SetChecker, module: ast.Module, node: ast.Policy) -> CheckedPolicy | None:
    """Check one policy; return its checked form, or None when it cannot be used."""
    from policy.checker import ENFORCEMENTS, CheckedPolicy

    walk = _PolicyWalk(checker, ExprChecker(checker, module.package, module.file))
    top = [c for c in node.clauses if isinstance(c, _TOP_ONLY)]
    on = _single(walk, [c for c in top if isinstance(c, ast.On)], "on")
    enforce = _single(walk, [c for c in top if isinstance(c, ast.Enforce)], "enforce")
    meta: dict[str, Any] = {}
    for key in ("owner", "description", "tags"):
        clause = _single(walk, [c for c in top if isinstance(c, ast.Meta) and c.key == key], key)
        if clause is not None:
            meta[key] = clause.value
    if on is None:
        walk.report(
            "check/missing-on",
            f"policy `{node.name}` does not say what it checks",
            _NameAt(node),
            help="add `on comp_plan as plan` (or budget, review_template, charter) as its first line",
        )
    kind = checker.kinds.get(on.document_kind) if on is not None else None
    if on is not None and kind is None:
        checker.report(
            Diagnostic(
                "check/unknown-kind",
                f"unknown document kind `{on.document_kind}`",
                Stage.CHECK,
                on.kind_span,
                help=did_you_mean(on.document_kind, checker.kinds)
                or "the kinds are " + ", ".join(f"`{k}`" for k in checker.kinds),
            )
        )
    base: dict[str, T.Type] = {on.alias: kind.record_type if kind else T.ANY} if on is not None else {}
    whens = tuple(c.condition for c in top if isinstance(c, ast.When))
    for condition in whens:
        walk.exprs.expect_bool(condition, base, "a `when` condition")
    body = tuple(c for c in node.clauses if not isinstance(c, _TOP_ONLY))
    walk.body(body, base, ())
    if not walk.check_scopes:
        walk.report(
            "check/no-require",
            f"policy `{node.name}` has no `require`, so it can never fail",
            _NameAt(node),
            help='add a check: `require CONDITION else "MESSAGE"`',
        )
    override = enforce.override_by if enforce is not None else None
    if override is not None:
        _check_override(walk, override, base)
    if on is None or kind is None:
        return None
    return CheckedPolicy(
        id=f"{module.package}.{node.name}",
        package=module.package,
        file=module.file,
        node=node,
        document_kind=on.document_kind,
        alias=on.alias,
        whens=whens,
        body=body,
        enforcement=enforce.level if enforce is not None else ENFORCEMENTS[0],
        override_by=override,
        meta=meta,
    )


@dataclass(frozen=True)
class _NameAt:
    """Adapter: report at a policy's name rather than its whole span."""

    node: ast.Policy

    @property
    def span(self) -> Any:
        return self.node.name_span


def _check_override(walk: _PolicyWalk, override: ast.Expr, base: Scope) -> None:
    """`override by` runs in the scope of whichever check failed: its names must be bound around every check."""
    scopes = [scope for _, scope, _ in walk.check_scopes] or [dict(base)]
    problems = False
    for name_node in _free_names(override):
        for require, scope, _loops in walk.check_scopes:
            if name_node.name not in scope and _is_local_name(walk, name_node.name):
                walk.report(
                    "check/override-scope",
                    f"`{name_node.name}` is not bound around every check: the `require` at line "
                    f"{require.span.line} cannot see it",
                    name_node,
                    help=f"move that `require` inside the block that binds `{name_node.name}`, "
                    "or name the approver without it",
                )
                problems = True
                break
    if problems:
        return
    seen: set[tuple[Any, ...]] = set()
    for scope in scopes:
        key = tuple(sorted((k, str(v)) for k, v in scope.items()))
        if key in seen:
            continue
        seen.add(key)
        found = walk.exprs.infer(override, scope)
        if found not in (T.TEXT, T.ANY, T.NONE) and found != T.ListType(T.TEXT) and found != T.ListType(T.ANY):
            walk.report(
                "check/bad-override",
                f"`override by` names people (an e-mail or a list), not {found}",
                override,
                help='e.g. `override by "cfo@acme.example"` or `override by kpi(k).owner`',
            )
            return


def _is_local_name(walk: _PolicyWalk, name: str) -> bool:
    checker = walk.checker
    if name in ("charter", "today") or name in checker.packages:
        return False
    return checker.lookup(walk.exprs.package, name, ast.NO_SPAN) is None


def _free_names(expr: ast.Expr) -> list[ast.Name]:
    """Names used in `expr` that no quantifier or aggregate inside it binds."""
    found: list[ast.Name] = []

    def visit(node: Any, bound: frozenset[str]) -> None:
        if isinstance(node, ast.Name):
            if node.name not in bound:
                found.append(node)
            return
        if isinstance(node, ast.Quantifier | ast.Aggregate):
            visit(node.source, bound)
            inner = bound | {node.var}
            for child in ast.children(node):
                if child is not node.source:
                    visit(child, inner)
            return
        if isinstance(node, ast.Field) and isinstance(node.obj, ast.Name):
            visit(node.obj, bound)
            return
        for child in ast.children(node):
            visit(child, bound)

    visit(expr, frozenset())
    return found


def def_cycles(checker: SetChecker) -> list[list[str]]:
    """Cycles among defs, tables and params, each listed from its first declaration in the file."""
    edges: dict[str, list[str]] = {}
    for symbol in checker.symbols.values():
        body = [symbol.decl.value] if isinstance(symbol.decl, ast.Param) else list(ast.children(symbol.decl))
        targets: list[str] = []
        for root in body:
            for node in ast.walk(root):
                resolution = checker.resolutions.get(id(node))
                if resolution is not None and resolution.kind in ("def", "table", "param"):
                    targets.append(resolution.target)
        edges[symbol.id] = targets
    cycles: list[list[str]] = []
    reported: set[str] = set()
    order = sorted(checker.symbols, key=lambda s: (checker.symbols[s].file, checker.symbols[s].decl.span.line))
    for start in order:
        if start in reported:
            continue
        path = _cycle_from(start, edges)
        if path:
            cycles.append(path)
            reported.update(path)
    return cycles


def _cycle_from(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """A path start → … → start, if there is one (depth-first, deterministic)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in edges.get(node, ()):
            if target == start:
                return path
            if target not in visited:
                visited.add(target)
                stack.append((target, [*path, target]))
    return None


def check_test(checker: SetChecker, module: ast.Module, node: ast.Test) -> CheckedTest:
    """Check a test's kinds and the policies it names; paths are read when the test runs."""
    from policy.checker import CheckedTest

    for given in node.givens:
        if given.document_kind not in checker.kinds:
            checker.report(
                Diagnostic(
                    "check/unknown-kind",
                    f"unknown document kind `{given.document_kind}`",
                    Stage.CHECK,
                    given.kind_span,
                    help=did_you_mean(given.document_kind, checker.kinds),
                )
            )
        if given.record is not None:
            ExprChecker(checker, module.package, module.file).infer(given.record, {})
    expectations: list[tuple[str | None, str, ast.Expect]] = []
    for expect in node.expects:
        if expect.policy is None:
            expectations.append((None, expect.outcome, expect))
            continue
        policy_id = _resolve_policy(checker, module.package, expect.policy)
        if policy_id is None:
            known = list(checker._policy_ids)
            checker.report(
                Diagnostic(
                    "check/unknown-policy",
                    f"unknown policy `{expect.policy}`",
                    Stage.CHECK,
                    expect.policy_span,
                    help=did_you_mean(expect.policy, known)
                    or did_you_mean(expect.policy.split(".")[-1], [k.split(".")[-1] for k in known]),
                )
            )
        expectations.append((policy_id, _OUTCOMES[expect.outcome], expect))
    return CheckedTest(module.file, module.package, node, tuple(expectations))


def _resolve_policy(checker: SetChecker, package: str, name: str) -> str | None:
    if name in checker._policy_ids:
        return name
    for candidate in (package, *sorted(checker.uses.get(package, ()))):
        if f"{candidate}.{name}" in checker._policy_ids:
            return f"{candidate}.{name}"
    return None
