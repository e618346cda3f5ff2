"""The checker: parsed modules → a `CheckedSet` the compiler can use directly, or every problem.

It resolves names (packages, `use`, params, defs, tables, built-ins, `charter`, `today`), infers
types from the document kinds, checks scopes (including `override by`, which must be bound
around every check), and rejects duplicates, def cycles and unreachable table rows. All
problems are collected, sorted and raised once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policy import ast
from policy import types as T
from policy.builtins import AGGREGATES, BUILTINS, RESERVED_NAMES
from policy.diagnostics import Diagnostic, DiagnosticError, Severity, Stage, did_you_mean
from policy.inference import ExprChecker, Resolution, Scope
from policy.reachability import unreachable_rows
from policy.source import Span

ENFORCEMENTS = ("hard", "soft", "advisory")


@dataclass(frozen=True, slots=True)
class Symbol:
    """A top-level declaration: `kind` is param, def or table; `id` is `package.name`."""

    kind: str
    id: str
    package: str
    decl: ast.Param | ast.Def | ast.Table
    file: str


@dataclass
class CheckedPolicy:
    """A policy with its clauses sorted out: what it checks, when, and how it is enforced."""

    id: str
    package: str
    file: str
    node: ast.Policy
    document_kind: str
    alias: str
    whens: tuple[ast.Expr, ...]
    body: tuple[ast.Clause, ...]
    enforcement: str
    override_by: ast.Expr | None
    meta: dict[str, Any]

    @property
    def title(self) -> str:
        return self.node.title or self.node.name


@dataclass
class CheckedTest:
    """A `test` block with its file, package and resolved expectations."""

    file: str
    package: str
    node: ast.Test
    expectations: tuple[tuple[str | None, str, ast.Expect], ...]


@dataclass
class CheckedSet:
    """The output of the checker: everything the compiler needs, names resolved, types known."""

    modules: tuple[ast.Module, ...]
    policies: list[CheckedPolicy]
    symbols: dict[str, Symbol]
    tests: list[CheckedTest]
    types: dict[int, T.Type] = field(repr=False)
    resolutions: dict[int, Resolution] = field(repr=False)
    warnings: list[Diagnostic] = field(default_factory=list)

    def type_of(self, expr: ast.Expr) -> T.Type:
        return self.types.get(id(expr), T.ANY)

    def resolution(self, node: object) -> Resolution | None:
        return self.resolutions.get(id(node))


class SetChecker:
    """Checks a whole policy set; holds the symbol tables and the side tables it fills."""

    def __init__(self, modules: Iterable[ast.Module]) -> None:
        from policy.documents import KINDS

        self.kinds = KINDS
        self.charter_type: T.Type = KINDS["charter"].record_type
        self.modules = tuple(modules)
        self.diagnostics: list[Diagnostic] = []
        self.types: dict[int, T.Type] = {}
        self.resolutions: dict[int, Resolution] = {}
        self.symbols: dict[str, Symbol] = {}
        self.packages: set[str] = {m.package for m in self.modules}
        self.uses: dict[str, set[str]] = {}
        self._param_types: dict[str, T.Type] = {}
        self._in_progress: set[str] = set()
        self._instances: dict[tuple[str, tuple[T.Type, ...]], T.Type] = {}
        self._instantiated: set[str] = set()
        self._policy_ids: dict[str, ast.Policy] = {}
        self._keep: list[Any] = []  # nodes whose ids key the side tables stay alive

    # ---- bookkeeping used by ExprChecker --------------------------------------------------

    def report(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def record_type(self, node: ast.Expr, found: T.Type) -> None:
        """Remember a node's type; a def body typed differently per call site becomes `any`."""
        key = id(node)
        previous = self.types.get(key)
        self.types[key] = found if previous is None or previous == found else T.ANY

    def resolve(self, node: object, resolution: Resolution) -> None:
        self.resolutions[id(node)] = resolution

    def visible_names(self, package: str) -> list[str]:
        names = [s.id.split(".", 1)[1] for s in self.symbols.values() if s.package == package]
        for used in self.uses.get(package, ()):
            names.extend(s.id.split(".", 1)[1] for s in self.symbols.values() if s.package == used)
        return names

    def lookup(self, package: str, name: str, span: Span) -> Symbol | None:
        """A bare name: the package's own declarations first, then those of `use`d packages."""
        own = self.symbols.get(f"{package}.{name}")
        if own is not None:
            return own
        found = [
            self.symbols[f"{p}.{name}"] for p in sorted(self.uses.get(package, ())) if f"{p}.{name}" in self.symbols
        ]
        if len(found) > 1:
            self.report(
                Diagnostic(
                    "check/ambiguous-name",
                    f"`{name}` is declared in several used packages",
                    Stage.CHECK,
                    span,
                    help="qualify it: " + " or ".join(f"`{s.id}`" for s in found),
                )
            )
        return found[0] if found else None

    def lookup_qualified(self, package: str, name: str, span: Span) -> Symbol | None:
        symbol = self.symbols.get(f"{package}.{name}")
        if symbol is None:
            names = [s.id.split(".", 1)[1] for s in self.symbols.values() if s.package == package]
            self.report(
                Diagnostic(
                    "check/unknown-name",
                    f"package `{package}` has no declaration `{name}`",
                    Stage.CHECK,
                    span,
                    help=did_you_mean(name, names),
                )
            )
        return symbol

    def lookup_callable(self, package: str, name: str, span: Span) -> Symbol | None:
        """A called name: a def or table, bare or qualified, with did-you-mean over everything."""
        if "." in name:
            qualifier, _, bare = name.rpartition(".")
            if qualifier not in self.packages:
                self.report(
                    Diagnostic(
                        "check/unknown-package",
                        f"unknown package `{qualifier}`",
                        Stage.CHECK,
                        span,
                        help=did_you_mean(qualifier, self.packages),
                    )
                )
                return None
            return self.lookup_qualified(qualifier, bare, span)
        symbol = self.lookup(package, name, span)
        if symbol is None:
            candidates = [*BUILTINS, *AGGREGATES, *self.visible_names(package)]
            self.report(
                Diagnostic(
                    "check/unknown-function",
                    f"unknown function `{name}`",
                    Stage.CHECK,
                    span,
                    help=did_you_mean(name, candidates) or "the built-ins are " + ", ".join(f"`{b}`" for b in BUILTINS),
                )
            )
        return symbol

    def params_of(self, symbol_id: str) -> tuple[str, ...]:
        decl = self.symbols[symbol_id].decl
        return decl.params if isinstance(decl, ast.Def | ast.Table) else ()

    def param_type(self, symbol_id: str) -> T.Type:
        """The type of a param's value, inferred once; a param defined through itself is an error."""
        if symbol_id in self._param_types:
            return self._param_types[symbol_id]
        symbol = self.symbols[symbol_id]
        if symbol_id in self._in_progress:
            self.report(
                Diagnostic(
                    "check/recursive-param",
                    f"param `{symbol_id}` is defined through itself",
                    Stage.CHECK,
                    symbol.decl.span,
                )
            )
            return T.ANY
        self._in_progress.add(symbol_id)
        assert isinstance(symbol.decl, ast.Param)
        found = ExprChecker(self, symbol.package, symbol.file).infer(symbol.decl.value, {})
        self._in_progress.discard(symbol_id)
        self._param_types[symbol_id] = found
        return found

    def instantiate(self, symbol_id: str, args: tuple[T.Type, ...], span: Span) -> T.Type:
        """Type a def or table body for these argument types (defs are generic over their params)."""
        key = (symbol_id, args)
        if key in self._instances:
            return self._instances[key]
        if symbol_id in self._in_progress:  # a cycle; reported once by check_cycles
            return T.ANY
        self._in_progress.add(symbol_id)
        self._instantiated.add(symbol_id)
        symbol = self.symbols[symbol_id]
        checker = ExprChecker(self, symbol.package, symbol.file)
        scope = dict(zip(self.params_of(symbol_id), args, strict=True))
        result = (
            self._def_body(checker, symbol.decl, scope)
            if isinstance(symbol.decl, ast.Def)
            else self._table_body(checker, symbol.decl, scope)
        )
        self._in_progress.discard(symbol_id)
        self._instances[key] = result
        return result

    @staticmethod
    def _def_body(checker: ExprChecker, decl: ast.Def, scope: Scope) -> T.Type:
        return checker.infer(decl.body, scope)

    def _table_body(self, checker: ExprChecker, table: ast.Table, scope: Scope) -> T.Type:
        result: T.Type | None = None
        values = [row.value for row in table.rows] + ([table.otherwise] if table.otherwise is not None else [])
        for row in table.rows:
            checker.expect_bool(row.condition, scope, "a table row's condition")
        for value in values:
            found = checker.infer(value, scope)
            unified = found if result is None else T.unify(result, found)
            if unified is None:
                self.report(
                    Diagnostic(
                        "check/type-mismatch",
                        f"table `{table.name}` gives {result} in one row and {found} in another",
                        Stage.CHECK,
                        value.span,  # type: ignore[attr-defined]
                    )
                )
                return T.ANY
            result = unified
        return result or T.ANY

    # ---- the passes ----------------------------------------------------------------------

    def run(self) -> CheckedSet:
        self._declare()
        self._check_uses()
        policies = [
            p
            for p in (self._check_policy(m, d) for m in self.modules for d in m.decls if isinstance(d, ast.Policy))
            if p is not None
        ]
        self._check_unused_bodies()
        self._check_cycles()
        self._check_tables()
        tests = [self._check_test(m, d) for m in self.modules for d in m.decls if isinstance(d, ast.Test)]
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise DiagnosticError(self.diagnostics)
        return CheckedSet(
            self.modules,
            policies,
            dict(self.symbols),
            tests,
            self.types,
            self.resolutions,
            [d for d in self.diagnostics if d.severity is Severity.WARNING],
        )

    def _declare(self) -> None:
        """Register every param, def and table; report duplicates at the second name."""
        seen_packages: dict[str, str] = {}
        for module in self.modules:
            packages = [d for d in module.decls if isinstance(d, ast.Package)]
            for extra in packages[1:]:
                self.report(
                    Diagnostic(
                        "check/duplicate-package",
                        "a file declares its package once",
                        Stage.CHECK,
                        extra.span,
                        help=f"keep `package {packages[0].name}`",
                    )
                )
            seen_packages.setdefault(module.package, module.file)
            self.uses.setdefault(module.package, set())
            for decl in module.decls:
                if isinstance(decl, ast.Param | ast.Def | ast.Table | ast.Policy):
                    self._declare_one(module, decl)

    def _declare_one(self, module: ast.Module, decl: ast.Param | ast.Def | ast.Table | ast.Policy) -> None:
        symbol_id = f"{module.package}.{decl.name}"
        if decl.name in RESERVED_NAMES or decl.name in BUILTINS or decl.name in AGGREGATES:
            self.report(
                Diagnostic(
                    "check/reserved-name",
                    f"`{decl.name}` is a built-in name",
                    Stage.CHECK,
                    decl.name_span,
                    help="choose another name",
                )
            )
        previous = self.symbols.get(symbol_id) or self._policy_ids.get(symbol_id)
        if previous is not None:
            where = previous.decl.span if isinstance(previous, Symbol) else previous.span
            self.report(
                Diagnostic(
                    "check/duplicate-name",
                    f"`{decl.name}` is already declared in package `{module.package}`",
                    Stage.CHECK,
                    decl.name_span,
                    help=f"the first `{decl.name}` is at {where.file}:{where.line}:{where.column}; rename one of them",
                )
            )
            return
        if isinstance(decl, ast.Policy):
            self._policy_ids[symbol_id] = decl
        else:
            kind = {ast.Param: "param", ast.Def: "def", ast.Table: "table"}[type(decl)]
            self.symbols[symbol_id] = Symbol(kind, symbol_id, module.package, decl, module.file)
            self._check_params_unique(decl)

    def _check_params_unique(self, decl: ast.Param | ast.Def | ast.Table) -> None:
        if isinstance(decl, ast.Param):
            return
        seen: set[str] = set()
        for name in decl.params:
            if name in seen:
                self.report(
                    Diagnostic("check/duplicate-name", f"parameter `{name}` appears twice", Stage.CHECK, decl.name_span)
                )
            seen.add(name)

    def _check_uses(self) -> None:
        for module in self.modules:
            for use in module.uses:
                if use.package not in self.packages:
                    self.report(
                        Diagnostic(
                            "check/unknown-package",
                            f"unknown package `{use.package}`",
                            Stage.CHECK,
                            use.name_span,
                            help=did_you_mean(use.package, self.packages),
                        )
                    )
                elif use.package != module.package:
                    self.uses[module.package].add(use.package)

    def _check_policy(self, module: ast.Module, node: ast.Policy) -> CheckedPolicy | None:
        from policy.policy_clauses import check_policy_clauses

        return check_policy_clauses(self, module, node)

    def _check_unused_bodies(self) -> None:
        """Defs, tables and params nobody calls are still checked (with their params unknown)."""
        for symbol in list(self.symbols.values()):
            if symbol.kind == "param":
                self.param_type(symbol.id)
            elif symbol.id not in self._instantiated:
                self.instantiate(symbol.id, tuple(T.ANY for _ in self.params_of(symbol.id)), symbol.decl.span)

    def _check_cycles(self) -> None:
        from policy.policy_clauses import def_cycles

        for cycle in def_cycles(self):
            first = self.symbols[cycle[0]]
            path = " → ".join(s.split(".", 1)[1] for s in (*cycle, cycle[0]))
            self.report(
                Diagnostic(
                    "check/recursive-def",
                    f"`{first.decl.name}` recurses through {path}",
                    Stage.CHECK,
                    first.decl.span,
                    help="defs and tables may not call themselves, directly or through others; "
                    "write the repeated step out, or aggregate over a list instead",
                )
            )

    def _check_tables(self) -> None:
        for symbol in self.symbols.values():
            if isinstance(symbol.decl, ast.Table):
                for row_index, covering in unreachable_rows(symbol.decl):
                    row = symbol.decl.rows[row_index]
                    earlier = symbol.decl.rows[covering]
                    self.report(
                        Diagnostic(
                            "check/unreachable-row",
                            f"this row of table `{symbol.decl.name}` can never match: the row at line "
                            f"{earlier.span.line} already covers it",
                            Stage.CHECK,
                            row.span,
                            help="rows are tried top to bottom; move the narrower row above the wider one",
                        )
                    )

    def _check_test(self, module: ast.Module, node: ast.Test) -> CheckedTest:
        from policy.policy_clauses import check_test

        return check_test(self, module, node)


def check_modules(modules: Iterable[ast.Module]) -> CheckedSet:
    """Check a parsed policy set; raise DiagnosticError with every problem found."""
    return SetChecker(modules).run()
