"""Checked AST → Python: each policy, def and table becomes a Python function, compiled once.

Like Jinja2 with templates, the compiler writes Python source from the AST alone and compiles
it with `compile()`. The generated code can reach only `engine.runtime.RUNTIME_NAMES` and a
pool of constants: no builtins, no imports, no author text except as `repr()` literals, and
identifiers only from the grammar's `NAME` pattern, prefixed. Checks run as plain booleans;
what a failing check needs (message, values, who may override) is computed afterwards by
generated finders that run only for failed checks, so the hot path does no formatting at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.decision import Finding, unexplained
from engine.explain_codegen import DYNAMIC, FinderWriter, FindingHeader
from engine.runtime import (
    EXPLAIN_ERRORS,
    RECOVERABLE,
    RUNTIME_NAMES,
    EvalContext,
    StepBudgetExceeded,
    decimal_context,
)
from policy import ast
from policy import types as T
from policy.checker import CheckedPolicy, CheckedSet
from policy.values import Duration, Money

KindFunction = Callable[[EvalContext, Any, dict[str, str], list[Any]], None]
_BOOLEAN_NODES = (ast.Compare, ast.Logical, ast.Quantifier)


@dataclass(frozen=True, slots=True)
class Site:
    """A place in a policy that can produce a finding: a check, or a clause that can fail to evaluate."""

    kind: str  # require | let | for_each | where | when
    node: Any
    names: tuple[str, ...]
    """The local names in scope there, in the order the compiled code passes their values."""
    finder: str | None = None
    """For a `require`: the generated function that builds its finding (engine/explain_codegen.py)."""
    source: dict[str, Any] | None = None
    """Where the site is in the policy files: `{"file", "line", "column"}` (shared; never mutated)."""


def location(file: str, span: Any) -> dict[str, Any]:
    """A finding's `source`: where in the policy files it comes from."""
    return {"file": file, "line": span.line, "column": span.column}


@dataclass
class CompiledPolicy:
    """One policy ready to run: its function, its sites, and what it needs to explain findings."""

    checked: CheckedPolicy
    sites: list[Site]
    finders: list[Callable[..., Finding] | None] = field(default_factory=list)
    """Per site, its finder (`(ctx, path, *scope) → Finding`), or None for sites that only raise."""

    @property
    def source(self) -> dict[str, Any]:
        """Where the policy itself is: the `source` of a finding about the policy as a whole."""
        return location(self.checked.file, self.checked.node.span)


@dataclass
class CompiledSet:
    """Every policy of a set, compiled, with the generated source kept for inspection."""

    checked: CheckedSet
    policies: list[CompiledPolicy]
    kind_functions: dict[str, KindFunction]
    """Per document kind, one function that runs all its policies: (ctx, doc, outcomes, pending)."""
    source: str
    namespace: dict[str, Any] = field(repr=False)


class _Names:
    """Mangles ids to Python identifiers and pools constants."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self.functions: dict[str, str] = {}
        self.param_constants: dict[str, Any] = {}
        self.counter = itertools.count()

    def constant(self, value: Any) -> str:
        name = f"_k{next(self.counter)}"
        self.constants[name] = value
        return name

    def function(self, prefix: str, symbol_id: str) -> str:
        key = f"{prefix}:{symbol_id}"
        if key not in self.functions:
            self.functions[key] = f"_{prefix}{next(self.counter)}_{symbol_id.replace('.', '__')}"
        return self.functions[key]


def _is_simple(node: ast.Expr) -> bool:
    """Cheap to evaluate more than once: a name, a literal, or a field of one."""
    while isinstance(node, ast.Field):
        node = node.obj
    return isinstance(node, ast.Name | ast.Literal)


def _constant_param(checked: CheckedSet, param_id: str) -> Any:
    """The value of a param that depends on literals and other such params only, else DYNAMIC."""
    from engine.interpreter import Interpreter
    from engine.runtime import RECOVERABLE as recoverable

    decl = checked.symbols[param_id].decl
    assert isinstance(decl, ast.Param)
    for node in ast.walk(decl.value):
        resolution = checked.resolution(node)
        if isinstance(node, ast.Call) or (resolution is not None and resolution.kind in ("charter", "today")):
            return DYNAMIC
        if (
            resolution is not None
            and resolution.kind == "param"
            and _constant_param(checked, resolution.target) is DYNAMIC
        ):
            return DYNAMIC
    try:
        with decimal_context():
            return Interpreter(checked, EvalContext(None, dt.date.min)).eval(decl.value, {})
    except recoverable:
        return DYNAMIC


class ExprCompiler:
    """One `visit_<Node>` per expression kind, each returning a Python expression string."""

    def __init__(self, checked: CheckedSet, names: _Names) -> None:
        self.checked = checked
        self.names = names
        self.loop_depth = 0
        """How many loops enclose the code being written; only nested loops spend the step budget."""
        self.bindings: dict[str, str] = {}
        """Def parameters bound to argument code while a def body is inlined at a call site."""
        self.inline_depth = 0

    def source(self, node: ast.Expr) -> str:
        """A list to loop over. A loop inside another spends steps (`_iterate`), so nested loops over
        large lists stay bounded; an outermost loop over a typed list runs as a plain `for`, bounded by
        the document's size limits, and a non-list there fails like any other error of the check."""
        code = self.expr(node)
        if self.loop_depth == 0 and isinstance(self.checked.type_of(node), T.ListType):
            return code
        return f"_iterate(ctx, {code})"

    def inside_loop(self, node: ast.Expr, condition: bool = False) -> str:
        self.loop_depth += 1
        try:
            return self.condition(node) if condition else self.expr(node)
        finally:
            self.loop_depth -= 1

    def expr(self, node: ast.Expr) -> str:
        method: Callable[[Any], str] = getattr(self, f"visit_{node.kind}")
        return method(node)

    def condition(self, node: ast.Expr) -> str:
        """A boolean position: values read from a document are checked to really be true/false."""
        code = self.expr(node)
        return code if self._is_boolean(node) else f"_truth({code})"

    def _is_boolean(self, node: ast.Expr) -> bool:
        """Whether `node` always gives a real true/false (so no run-time check is needed)."""
        if isinstance(node, _BOOLEAN_NODES) or (isinstance(node, ast.Unary) and node.op == "not"):
            return True
        if isinstance(node, ast.Literal):
            return isinstance(node.value, bool)
        if isinstance(node, ast.Conditional):
            return self._is_boolean(node.then) and self._is_boolean(node.otherwise)
        resolution = self.checked.resolution(node) if isinstance(node, ast.Call) else None
        if resolution is not None and resolution.kind == "def":
            decl = self.checked.symbols[resolution.target].decl
            return isinstance(decl, ast.Def) and self._is_boolean(decl.body)
        return False

    def visit_Literal(self, node: ast.Literal) -> str:
        value = node.value
        if value is None or isinstance(value, bool):
            return repr(value)
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, Decimal | Money | dt.date | Duration):
            return self.names.constant(value)
        raise TypeError(f"unexpected literal {value!r}")

    def visit_Name(self, node: ast.Name) -> str:
        resolution = self.checked.resolution(node)
        kind = resolution.kind if resolution else "local"
        if kind == "local":
            return self.bindings.get(node.name, f"v_{node.name}")
        if kind == "charter":
            return "ctx.charter"
        if kind == "today":
            return "ctx.today"
        assert resolution is not None
        return self.param(resolution.target)

    def param(self, param_id: str) -> str:
        """A param: a pooled constant when its value needs no charter or date, else computed once per run."""
        if param_id not in self.names.param_constants:
            self.names.param_constants[param_id] = _constant_param(self.checked, param_id)
        constant = self.names.param_constants[param_id]
        if constant is not DYNAMIC:
            key = f"param:{param_id}"
            if key not in self.names.functions:
                self.names.functions[key] = self.names.constant(constant)
            return self.names.functions[key]
        return f"{self.names.function('p', param_id)}(ctx)"

    def constant_value(self, node: ast.Expr) -> Any:
        """The value of a literal or of a param that needs no charter or date, else DYNAMIC."""
        if isinstance(node, ast.Literal):
            return node.value
        resolution = self.checked.resolution(node) if isinstance(node, ast.Name | ast.Field) else None
        if resolution is None or resolution.kind != "param":
            return DYNAMIC
        self.param(resolution.target)
        return self.names.param_constants[resolution.target]

    def visit_Field(self, node: ast.Field) -> str:
        resolution = self.checked.resolution(node)
        if resolution is not None and resolution.kind == "param":
            return self.param(resolution.target)
        base = self.checked.type_of(node.obj)
        obj = self.expr(node.obj)
        if isinstance(base, T.RecordType) and not base.open and node.name in base.fields:
            return f"{obj}[{node.name!r}]"
        return f"_field({obj}, {node.name!r})"

    def visit_Index(self, node: ast.Index) -> str:
        return f"_index({self.expr(node.obj)}, {self.expr(node.index)})"

    def visit_Call(self, node: ast.Call) -> str:
        resolution = self.checked.resolution(node)
        assert resolution is not None, f"unresolved call `{node.name}`"
        args = [self.expr(a) for a in node.args]
        if resolution.kind == "builtin":
            if resolution.target in ("kpi", "person") and _is_simple(node.args[0]):
                # A text looks up directly; anything else (a value from a free map may be any
                # shape, whatever its static type) goes through the built-in.
                index = "kpis" if resolution.target == "kpi" else "people"
                key = args[0]
                return f"(ctx.{index}.get({key}) if {key}.__class__ is _str else _fn_{resolution.target}(ctx, {key}))"
            return self._builtin(resolution.target, args, self.checked.type_of(node))
        if resolution.kind == "def" and self._inlinable(node):
            return self._inline(resolution.target, args)
        prefix = "d" if resolution.kind == "def" else "t"
        return f"{self.names.function(prefix, resolution.target)}(ctx{''.join(', ' + a for a in args)})"

    def _inlinable(self, node: ast.Call) -> bool:
        """Inline a def when its arguments are cheap to repeat (names, literals, fields of names)."""
        return self.inline_depth < 4 and all(_is_simple(a) for a in node.args)

    def _inline(self, def_id: str, args: list[str]) -> str:
        """The def's body with its parameters replaced by the argument code: no call at run time."""
        decl = self.checked.symbols[def_id].decl
        assert isinstance(decl, ast.Def)
        saved = self.bindings
        self.bindings = dict(zip(decl.params, (f"({a})" for a in args), strict=True))
        self.inline_depth += 1
        try:
            return f"({self.expr(decl.body)})"  # at the call site's own loop depth
        finally:
            self.bindings = saved
            self.inline_depth -= 1

    @contextlib.contextmanager
    def _bound(self, var: str) -> Iterator[str]:
        """Inside a quantifier or aggregate: yields its variable's Python name, bindings adjusted."""
        name, bindings = self._loop_variable(var)
        saved, self.bindings = self.bindings, bindings
        try:
            yield name
        finally:
            self.bindings = saved

    def _loop_variable(self, var: str) -> tuple[str, dict[str, str]]:
        """The Python name of a quantifier's or aggregate's variable, and the bindings inside it.

        Outside an inlined def the variable is `v_<name>`. Inside one it gets a fresh name, so
        it can never capture a caller's variable that an argument refers to
        (`all x in xs: heaviest(x, xs)` with a def that also ranges over `x`).
        """
        if self.inline_depth == 0:
            return f"v_{var}", {k: v for k, v in self.bindings.items() if k != var}
        fresh = f"v_{var}__{next(self.names.counter)}"
        return fresh, {**self.bindings, var: fresh}

    def _builtin(self, name: str, args: list[str], result: T.Type = T.ANY) -> str:
        if name == "count":
            return f"_count_list({args[0]})"
        if name in ("sum", "min", "max", "avg"):
            function = {"sum": "_total", "min": "_min", "max": "_max", "avg": "_avg"}[name]
            zero = ", _ZERO_MONEY" if name == "sum" and result == T.MONEY else ""
            return f"{function}(_iterate(ctx, _as_list({args[0]}, {name!r})){zero})"
        if name in ("kpi", "person"):
            return f"_fn_{name}(ctx, {args[0]})"
        return f"_fn_{name}({', '.join(args)})"

    def visit_Aggregate(self, node: ast.Aggregate) -> str:
        source = self.source(node.source)
        with self._bound(node.var) as var:
            return self._aggregate(node, source, var)

    def _aggregate(self, node: ast.Aggregate, source: str, var: str) -> str:
        where = f" if {self.inside_loop(node.where, True)}" if node.where is not None else ""
        if node.func == "count":
            if not where:
                return f"_count_list({source})"
            return f"_count(1 for {var} in {source}{where})"
        function = {"sum": "_total", "min": "_min", "max": "_max", "avg": "_avg"}[node.func]
        element = self.checked.type_of(node.element)
        zero = ", _ZERO_MONEY" if node.func == "sum" and element == T.MONEY else ""
        if node.func == "sum" and element in (T.NUMBER, T.PERCENT):
            # The built-in sum, in C, from a Decimal zero; an element that is none or no number
            # raises TypeError, which fails the check as an error.
            function, zero = "_sum", ", _ZERO"
        return f"{function}(({self.inside_loop(node.element)} for {var} in {source}{where}){zero})"

    def visit_Unary(self, node: ast.Unary) -> str:
        if node.op == "not":
            return f"(not {self.condition(node.operand)})"
        return f"(-{self.expr(node.operand)})"

    def visit_Binary(self, node: ast.Binary) -> str:
        return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"

    def visit_Compare(self, node: ast.Compare) -> str:
        # Python's operators have the language's meaning here: `==` on two currencies raises
        # (Money), ordering none raises TypeError, `in` works on lists and text. Equality with
        # a literal `none` is identity: no value of the language equals None but None itself.
        if node.op in ("==", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(side, ast.Literal) and side.value is None:
                    return f"({self.expr(other)} {'is' if node.op == '==' else 'is not'} None)"
        if node.op not in ("in", "not in"):
            left, right = self._length(node.left, node.right), self._length(node.right, node.left)
            if left or right:
                return f"({left or self.expr(node.left)} {node.op} {right or self.expr(node.right)})"
        return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"

    def _length(self, node: ast.Expr, other: ast.Expr) -> str | None:
        """`length(x)` or `count(xs)` compared with a constant number: Python's `len`, an int.

        An int never leaves the comparison (int and Decimal compare exactly). Only for an
        argument cheap to read twice (a name or a field of one).
        """
        if not isinstance(node, ast.Call) or len(node.args) != 1:
            return None
        resolution = self.checked.resolution(node)
        if resolution is None or resolution.kind != "builtin" or resolution.target not in ("length", "count"):
            return None
        if not _is_simple(node.args[0]) or not isinstance(self.constant_value(other), Decimal):
            return None
        # The static type is no promise at run time (a value from a free map may be any shape),
        # so the class is asked first; anything unexpected goes through the built-in and errs.
        value = self.expr(node.args[0])
        if resolution.target == "length":
            return f"(_len({value}) if {value}.__class__ is _str else _fn_length({value}))"
        return (
            f"(_len({value}) if {value}.__class__ is _DocList or {value}.__class__ is _list else _count_list({value}))"
        )

    def visit_Logical(self, node: ast.Logical) -> str:
        return f"({self.condition(node.left)} {node.op} {self.condition(node.right)})"

    def visit_Quantifier(self, node: ast.Quantifier) -> str:
        source = self.source(node.source)
        with self._bound(node.var) as var:
            predicate = self.inside_loop(node.predicate, True)
        if node.quantifier == "any":
            return f"_any({predicate} for {var} in {source})"
        if node.quantifier == "all":
            return f"_all({predicate} for {var} in {source})"
        return f"(not _any({predicate} for {var} in {source}))"

    def visit_Conditional(self, node: ast.Conditional) -> str:
        return f"({self.expr(node.then)} if {self.condition(node.condition)} else {self.expr(node.otherwise)})"

    def visit_ListExpr(self, node: ast.ListExpr) -> str:
        if node.items and all(isinstance(i, ast.Literal) for i in node.items):
            return self.names.constant([i.value for i in node.items])  # never mutated: policies are pure
        return "[" + ", ".join(self.expr(i) for i in node.items) + "]"

    def visit_RecordExpr(self, node: ast.RecordExpr) -> str:
        return "{" + ", ".join(f"{k!r}: {self.expr(v)}" for k, v in node.fields) + "}"


class _Writer:
    """Indented Python source."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)


def _path(depth: int) -> str:
    """The JSON Pointer of the innermost `for each` item that lives in the document."""
    if depth == 0:
        return '""'
    return f'(b{depth} + "/" + _str(i{depth}) if b{depth} is not None else {_path(depth - 1)})'


class PolicyCompiler:
    """Writes the block of one policy. A failed check appends its `Finding` (built by its finder);
    a clause that raised appends a record (site, path, error, scope) explained afterwards."""

    def __init__(
        self, exprs: ExprCompiler, policy: CheckedPolicy, out: _Writer, explain_out: _Writer, prefix: str
    ) -> None:
        self.exprs = exprs
        self.policy = policy
        self.out = out
        self.explain_out = explain_out
        self.prefix = prefix
        self.sites: list[Site] = []
        self.out_name = "out"
        """The list this policy's failures and error records go to (`out<k>` when it shares a loop)."""
        self.loop_depth = 0

    def _site(self, kind: str, node: Any, names: list[str]) -> int:
        span = node.span if hasattr(node, "span") else node[0].span
        source = location(self.policy.file, span)
        finder = None
        if kind == "require":
            policy = self.policy
            override = policy.override_by if policy.enforcement == "soft" else None
            finder = f"{self.prefix}_find{len(self.sites)}"
            header = FindingHeader(policy.id, policy.title, policy.enforcement, source)
            own_params = _needs_dynamic_param(self.exprs, node, set()) or (
                override is not None and _needs_dynamic_param(self.exprs, override, set())
            )
            FinderWriter(self.exprs, self.explain_out, header).write(finder, node, names, override, own_params)
        self.sites.append(Site(kind, node, tuple(names), finder, source))
        return len(self.sites) - 1

    def _record(self, depth: int, site: int, names: list[str], error: str) -> str:
        scope = "(" + "".join(f"v_{n}, " for n in names) + ")"
        return f"{self.out_name}.append(({site}, {_path(self.loop_depth)}, {error}, {scope}))"

    def write(self, depth: int, position: int) -> None:
        """Write this policy as one block of its kind's function (see `compile_checked`).

        The block runs inside `while True:` so that stopping early is a `break`: a `when` that
        does not hold marks the policy skipped, a top-level `let` that fails ends it. A step
        budget overrun or an engine bug ends the block with one error record (fail closed).
        """
        w, alias = self.out, self.policy.alias
        w.line(depth, "out = []")
        w.line(depth, "ctx.steps = 0")
        if self.policy.whens:
            w.line(depth, "skipped = False")
        w.line(depth, "try:")
        w.line(depth + 1, "while True:")
        inner = depth + 2
        w.line(inner, f"v_{alias} = doc")
        self.loop_depth = 0
        if self.policy.whens:
            site = self._site("when", self.policy.whens, [alias])
            w.line(inner, "try:")
            for condition in self.policy.whens:
                w.line(inner + 1, f"if not {self.exprs.condition(condition)}:")
                w.line(inner + 2, "skipped = True")
                w.line(inner + 2, "break")
            w.line(inner, "except _RECOVERABLE as e:")
            w.line(inner + 1, self._record(inner + 1, site, [alias], "e"))
            w.line(inner + 1, "break")
        self.block(self.policy.body, inner, [alias], "break")
        w.line(inner, "break")
        w.line(depth, "except _StepBudgetExceeded as stop:")
        w.line(depth + 1, 'out = [(-1, "", stop, ())]')
        w.line(depth, "except Exception as bug:  # fail closed: an engine bug blocks, never passes")
        w.line(depth + 1, 'out = [(-1, "", bug, ())]')
        # `outcomes` starts as every policy of the kind passing; only departures are written.
        w.line(depth, "if out:")
        w.line(depth + 1, f"pending.append(({position}, out))")
        if self.policy.whens:
            w.line(depth, "elif skipped:")
            w.line(depth + 1, f"outcomes[{self.policy.id!r}] = 'skip'")

    def block(self, clauses: tuple[ast.Clause, ...], depth: int, names: list[str], abort: str) -> None:
        names = list(names)
        for clause in clauses:
            method = getattr(self, f"clause_{clause.kind}", None)
            if method is not None:
                names = method(clause, depth, names, abort)

    def clause_Let(self, clause: ast.Let, depth: int, names: list[str], abort: str) -> list[str]:
        w = self.out
        site = self._site("let", clause, names)
        w.line(depth, "try:")
        w.line(depth + 1, f"v_{clause.name} = {self.exprs.expr(clause.value)}")
        w.line(depth, "except _RECOVERABLE as e:")
        w.line(depth + 1, self._record(depth + 1, site, names, "e"))
        w.line(depth + 1, abort)
        return [*names, clause.name]

    def clause_Require(self, clause: ast.Require, depth: int, names: list[str], abort: str) -> list[str]:
        w = self.out
        site = self._site("require", clause, names)
        w.line(depth, "try:")
        w.line(depth + 1, f"if not {self.exprs.condition(clause.condition)}:")
        finder = self.sites[site].finder
        args = "".join(f", v_{n}" for n in names)
        w.line(depth + 2, f"{self.out_name}.append({finder}(ctx, {_path(self.loop_depth)}{args}))")
        w.line(depth, "except _RECOVERABLE as e:")
        w.line(depth + 1, self._record(depth + 1, site, names, "e"))
        return names

    def clause_ForEach(self, clause: ast.ForEach, depth: int, names: list[str], abort: str) -> list[str]:
        w = self.out
        site = self._site("for_each", clause, names)
        level = self.loop_depth + 1
        w.line(depth, "try:")
        self.loop_source(clause, depth + 1, level)
        w.line(depth, "except _RECOVERABLE as e:")
        w.line(depth + 1, self._record(depth + 1, site, names, "e"))
        w.line(depth + 1, abort)
        w.line(depth, f"for i{level}, v_{clause.var} in _enumerate(s{level}):")
        self.loop_item(clause, depth + 1, names, "continue")
        w.line(depth + 1, "pass")
        return names

    def loop_source(self, clause: ast.ForEach, depth: int, level: int) -> None:
        """`s<level>` = the list to go through, `b<level>` = its pointer when it lives in the document."""
        w = self.out
        if self.exprs.loop_depth == 0:
            # An outermost loop over a list of the document needs no steps: the document's size
            # limits bound it, and loops nested inside it spend steps. Anything else goes through
            # `_iterate` (a computed list spends steps; a value that is no list raises).
            w.line(depth, f"s{level} = {self.exprs.expr(clause.source)}")
            w.line(depth, f"if s{level}.__class__ is _DocList:")
            w.line(depth + 1, f"b{level} = s{level}.pointer")
            w.line(depth, "else:")
            w.line(depth + 1, f"s{level} = _iterate(ctx, s{level})")
            w.line(depth + 1, f"b{level} = None")
        else:
            w.line(depth, f"s{level} = _iterate(ctx, {self.exprs.expr(clause.source)})")
            w.line(depth, f"b{level} = s{level}.pointer if s{level}.__class__ is _DocList else None")

    def loop_item(self, clause: ast.ForEach, depth: int, names: list[str], next_item: str) -> None:
        """The body of a `for each` for one item; `next_item` is how it moves on to the next."""
        w = self.out
        inner = [*names, clause.var]
        self.loop_depth += 1
        self.exprs.loop_depth += 1
        if clause.where is not None:
            where_site = self._site("where", clause, inner)
            w.line(depth, "try:")
            w.line(depth + 1, f"if not {self.exprs.condition(clause.where)}:")
            w.line(depth + 2, next_item)
            w.line(depth, "except _RECOVERABLE as e:")
            w.line(depth + 1, self._record(depth + 1, where_site, inner, "e"))
            w.line(depth + 1, next_item)
        self.block(clause.body, depth, inner, next_item)
        self.loop_depth -= 1
        self.exprs.loop_depth -= 1


def _shared_loop(compiler: PolicyCompiler) -> str | None:
    """The code of the list a policy goes through, if the policy is nothing but one `for each`
    over it (no `when`): such policies of a kind can share one loop (see `_write_shared_loop`).

    Not a policy that computes a param at run time: a param is computed once per evaluation and
    its steps are charged to the policy that needs it first, which must stay the same policy
    whether or not the loops are shared.
    """
    policy = compiler.policy
    if policy.whens or len(policy.body) != 1 or not isinstance(policy.body[0], ast.ForEach):
        return None
    if _needs_dynamic_param(compiler.exprs, policy.body[0], set()):
        return None
    return compiler.exprs.expr(policy.body[0].source)


def _needs_dynamic_param(exprs: ExprCompiler, node: Any, seen: set[str]) -> bool:
    """Whether evaluating `node` may compute a param at run time, through defs and tables too."""
    checked = exprs.checked
    for sub in ast.walk(node):
        resolution = checked.resolution(sub) if isinstance(sub, ast.Expr) else None
        if resolution is None or resolution.target in seen:
            continue
        if resolution.kind == "param":
            exprs.param(resolution.target)
            if exprs.names.param_constants[resolution.target] is DYNAMIC:
                return True
        elif resolution.kind in ("def", "table"):
            seen.add(resolution.target)
            if _needs_dynamic_param(exprs, checked.symbols[resolution.target].decl, seen):
                return True
    return False


def _write_shared_loop(members: list[tuple[PolicyCompiler, int]], depth: int) -> None:
    """Write policies that each go through the same list as one loop.

    Each keeps what it would have alone: its own records (`out<k>`), its own step budget
    (`st<k>`, swapped into the context around its part of each item), and its own failure — a
    step-budget overrun or an engine bug ends that policy alone (`live<k>`), with one error
    record, as its own `try` would. The list is computed once: it is the same expression.
    """
    first = members[0][0]
    w = first.out
    clauses = [compiler.policy.body[0] for compiler, _ in members]
    assert all(isinstance(c, ast.ForEach) for c in clauses)
    w.line(depth, f"# {', '.join(c.policy.id for c, _ in members)}: one loop over the same list")
    sites = []
    for k, (compiler, _) in enumerate(members):
        compiler.out_name = f"out{k}"
        compiler.loop_depth = 0
        w.line(depth, f"out{k} = []")
        w.line(depth, f"live{k} = True")
    for alias in dict.fromkeys(compiler.policy.alias for compiler, _ in members):
        w.line(depth, f"v_{alias} = doc")
    for k, (compiler, _) in enumerate(members):
        sites.append(compiler._site("for_each", clauses[k], [compiler.policy.alias]))
    w.line(depth, "ctx.steps = 0")
    w.line(depth, "try:")
    first.loop_source(clauses[0], depth + 1, 1)  # type: ignore[arg-type]
    for handler, record in (
        ("_RECOVERABLE as e", None),
        ("_StepBudgetExceeded as e", '[(-1, "", e, ())]'),
        ("Exception as e", '[(-1, "", e, ())]'),
    ):
        w.line(depth, f"except {handler}:")
        for k, (compiler, _) in enumerate(members):
            if record is None:
                w.line(depth + 1, compiler._record(depth + 1, sites[k], [compiler.policy.alias], "e"))
            else:
                w.line(depth + 1, f"out{k} = {record}")
        w.line(depth + 1, "s1 = ()")
        w.line(depth + 1, "b1 = None")
    for k in range(len(members)):
        w.line(depth, f"st{k} = ctx.steps")
    # Every name a policy reads is bound again in its own part of each item: another policy's
    # `let` or loop may have used the same name. `item1` cannot collide with a policy's names
    # (those are all `v_…`).
    w.line(depth, "for i1, item1 in _enumerate(s1):")
    for k, (compiler, _) in enumerate(members):
        clause = clauses[k]
        assert isinstance(clause, ast.ForEach)
        w.line(depth + 1, f"if live{k}:")
        w.line(depth + 2, f"v_{compiler.policy.alias} = doc")
        w.line(depth + 2, f"v_{clause.var} = item1")
        w.line(depth + 2, f"ctx.steps = st{k}")
        w.line(depth + 2, "try:")
        w.line(depth + 3, "while True:")
        compiler.loop_item(clause, depth + 4, [compiler.policy.alias], "break")
        w.line(depth + 4, "break")
        w.line(depth + 2, "except _StepBudgetExceeded as e:")
        w.line(depth + 3, f'out{k} = [(-1, "", e, ())]')
        w.line(depth + 3, f"live{k} = False")
        w.line(depth + 2, "except Exception as e:  # fail closed: an engine bug blocks, never passes")
        w.line(depth + 3, f'out{k} = [(-1, "", e, ())]')
        w.line(depth + 3, f"live{k} = False")
        w.line(depth + 2, f"st{k} = ctx.steps")
    for k, (_, position) in enumerate(members):
        w.line(depth, f"if out{k}:")
        w.line(depth + 1, f"pending.append(({position}, out{k}))")


def _write_def(exprs: ExprCompiler, name: str, decl: ast.Def, w: _Writer) -> None:
    """A def may be called inside a loop, so its own loops always spend the step budget."""
    params = "".join(f", v_{p}" for p in decl.params)
    w.line(0, f"def {name}(ctx{params}):")
    w.line(1, f"return {exprs.inside_loop(decl.body)}")


def _write_table(exprs: ExprCompiler, name: str, decl: ast.Table, w: _Writer) -> None:
    params = "".join(f", v_{p}" for p in decl.params)
    w.line(0, f"def {name}(ctx{params}):")
    for row in decl.rows:
        w.line(1, f"if {exprs.inside_loop(row.condition, True)}:")
        w.line(2, f"return {exprs.inside_loop(row.value)}")
    if decl.otherwise is not None:
        w.line(1, f"return {exprs.inside_loop(decl.otherwise)}")
    else:
        w.line(1, f"return _no_row({decl.name!r})")


def _write_param(exprs: ExprCompiler, name: str, decl: ast.Param, w: _Writer) -> None:
    """A param is computed once per evaluation and kept on the context."""
    key = repr(name)
    w.line(0, f"def {name}(ctx):")
    w.line(1, "cache = ctx.params")
    w.line(1, f"if {key} not in cache:")
    w.line(2, f"cache[{key}] = {exprs.expr(decl.value)}")
    w.line(1, f"return cache[{key}]")


def compile_checked(checked: CheckedSet) -> CompiledSet:
    """Compile every policy, def, table and param of a checked set into one Python module."""
    names = _Names()
    exprs = ExprCompiler(checked, names)
    body = _Writer()
    explain = _Writer()
    compiled: list[tuple[CheckedPolicy, list[Site]]] = []
    kinds: dict[str, list[CheckedPolicy]] = {}
    for policy in checked.policies:
        kinds.setdefault(policy.document_kind, []).append(policy)
    for kind, members in kinds.items():
        body.line(0, f"def _kind_{kind}(ctx, doc, outcomes, pending):")
        writers: list[tuple[PolicyCompiler, int, str | None]] = []
        for policy in members:
            position = len(compiled) + len(writers)
            writer = PolicyCompiler(exprs, policy, body, explain, f"_p{position}_{policy.id.replace('.', '__')}")
            writers.append((writer, position, _shared_loop(writer)))
        # Consecutive policies over the same list share a loop; any other policy runs alone.
        for _, run in itertools.groupby(writers, key=lambda w: w[2] or object()):
            members_run = [(writer, position) for writer, position, _ in run]
            if len(members_run) > 1:
                _write_shared_loop(members_run, 1)
            else:
                writer, position = members_run[0]
                writer.write(1, position)
        compiled.extend((writer.policy, writer.sites) for writer, _, _ in writers)
    for symbol in checked.symbols.values():
        prefix = {"def": "d", "table": "t", "param": "p"}[symbol.kind]
        function = names.function(prefix, symbol.id)
        {"def": _write_def, "table": _write_table, "param": _write_param}[symbol.kind](
            exprs,
            function,
            symbol.decl,
            body,  # type: ignore[arg-type]
        )
    source = "\n".join(body.lines + explain.lines) + "\n"
    namespace: dict[str, Any] = {"__builtins__": {}, **RUNTIME_NAMES, **names.constants}
    namespace["_RECOVERABLE"] = RECOVERABLE
    namespace["_EXPLAIN_ERRORS"] = EXPLAIN_ERRORS
    namespace["_Finding"] = Finding
    namespace["_unexplained"] = unexplained
    namespace["_StepBudgetExceeded"] = StepBudgetExceeded
    namespace["Exception"] = Exception
    exec(compile(source, "<revgate policies>", "exec"), namespace)
    policies = [
        CompiledPolicy(p, sites, [namespace[site.finder] if site.finder else None for site in sites])
        for p, sites in compiled
    ]
    functions = {kind: namespace[f"_kind_{kind}"] for kind in kinds}
    return CompiledSet(checked, policies, functions, source, namespace)
