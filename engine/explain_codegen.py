"""Compiled findings: for each `require`, a function that builds the finding of its failure.

A check runs as a plain boolean on the hot path. When it fails, its finder runs once and
returns the `Finding`: it evaluates the message's `{holes}`, finds the deciding part of the
condition (the first false conjunct of an `and` chain) and the values of its operands, and
writes the message. Everything textual — expression texts, which values are percents, the
message's literal pieces, the policy's title and source — is fixed here, at compile time, as
string constants and concatenations in the generated code, so a failing check costs about
what a hand-written `f"..."` costs, not an interpreter walk.

The messages follow LANGUAGE.md §4: the author's `else` text with each hole formatted for
people (`?` for a hole that cannot be computed), or, without `else`, one generated from the
deciding conjunct: `expected shared_weight(plan) >= 20%, got 10%`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy import ast
from policy import types as T
from policy.formatter import format_expression
from policy.values import format_value

DYNAMIC = object()
"""A value not known until run time (see `ExprCompiler.constant_value`)."""


@dataclass(frozen=True, slots=True)
class FindingHeader:
    """What every finding of one policy shares: written once as pooled constants."""

    policy: str
    title: str
    enforcement: str
    source: dict[str, Any]


def is_percent(found: T.Type) -> bool:
    return found == T.PERCENT or (isinstance(found, T.ListType) and found.item == T.PERCENT)


def _conjuncts(condition: ast.Expr) -> list[ast.Expr]:
    if isinstance(condition, ast.Logical) and condition.op == "and":
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def _operand_nodes(node: ast.Expr) -> list[ast.Expr]:
    if isinstance(node, ast.Compare | ast.Binary):
        return [node.left, node.right]
    if isinstance(node, ast.Quantifier | ast.Aggregate):
        return [node.source]
    if isinstance(node, ast.Unary):
        return [node.operand]
    return []


_QUANTIFIER_FAILS = {"any": "no item matched", "all": "an item does not match", "no": "an item matches"}


class _Indented:
    """A writer that writes into another one, `by` levels deeper."""

    def __init__(self, out: Any, by: int) -> None:
        self.out = out
        self.by = by

    def line(self, depth: int, text: str) -> None:
        self.out.line(depth + self.by - 1, text)


@dataclass(slots=True)
class _Slot:
    """One value a finder shows, computed once and shared by the message and `values`."""

    code: str
    """Python code for the value: a local, a parameter or a pooled constant."""
    may_miss: bool
    """Whether computing it may have failed, leaving `_MISSING`."""
    constant: Any
    """Its value when known at compile time, else DYNAMIC."""
    shown: dict[bool, str]
    """Code for its text in a message, by whether it is shown as a percent."""
    type: T.Type = T.ANY
    """Its static type, to format it without asking what it is where that is known."""


class FinderWriter:
    """Writes the finder function of one `require`: (ctx, path, *scope) → Finding.

    Every expression the finding shows — a message hole, an operand of the deciding
    conjunct — is computed once into a local (`x0`…), formatted once (`t0`…), and shared by
    the message and `values`; values known at compile time (literals, constant params) are
    written as constants, already formatted. A `require` of one conjunct is known to have
    failed, so only a chain of `and`s is checked again to find the conjunct that decided.
    """

    def __init__(self, exprs: Any, writer: Any, header: FindingHeader) -> None:
        self.exprs = exprs
        self.checked = exprs.checked
        self.w = writer
        self.header = header
        self.slots: dict[str, _Slot] = {}
        self.locals = 0

    def constant(self, value: Any) -> str:
        return self.exprs.names.constant(value)

    def write(
        self, name: str, require: ast.Require, names: list[str], override: ast.Expr | None, own_params: bool
    ) -> None:
        """The finder runs inside its policy's block, right where the check failed. It explains
        on a step budget of its own and gives the policy its own back; if explaining fails (an
        overrun, an engine bug) the finding says so and still blocks: fail closed."""
        out, header = self.w, self.header
        params = "".join(f", v_{n}" for n in names)
        out.line(0, f"def {name}(ctx, path{params}):")
        out.line(1, "steps = ctx.steps")
        out.line(1, "ctx.steps = 0")
        if own_params:
            # A param computed while explaining (off the policy's budget) must not be found
            # computed by the checks that run after: they would be spared its steps.
            out.line(1, "params = ctx.params")
            out.line(1, "ctx.params = params.copy()")
        out.line(1, "try:")
        self.w = _Indented(out, 2)
        self._body(require, names, override)
        self.w = out
        out.line(1, "except Exception as problem:")
        out.line(
            2,
            f"return _unexplained({self.constant(header.policy)}, {self.constant(header.title)}, "
            f"{header.enforcement!r}, path, {self.constant(header.source)}, problem)",
        )
        out.line(1, "finally:")
        out.line(2, "ctx.steps = steps")
        if own_params:
            out.line(2, "ctx.params = params")

    def _body(self, require: ast.Require, names: list[str], override: ast.Expr | None) -> None:
        w, exprs = self.w, self.exprs
        scope = "(" + "".join(f"v_{n}, " for n in names) + ")"
        constant_override = exprs.constant_value(override) if override is not None else DYNAMIC
        if isinstance(constant_override, str):
            w.line(1, f"over = [{constant_override!r}]")
        elif override is not None:
            w.line(1, "try:")
            w.line(2, f"over = _people({exprs.expr(override)})")
            w.line(1, "except _EXPLAIN_ERRORS:")
            w.line(2, "over = None")
        else:
            w.line(1, "over = None")
        author = self._author_message(require, 1)
        header = self.header
        finding = (
            f"_Finding({self.constant(header.policy)}, {self.constant(header.title)}, 'fail', "
            f"{header.enforcement!r}, {{message}}, path, {{values}}, {self.constant(header.source)}, over, "
            f"None, None, {scope})"
        )
        conjuncts = _conjuncts(require.condition)
        if len(conjuncts) == 1:
            w.line(1, self._decided(conjuncts[0], author, finding, 1))
            return
        for node in conjuncts:
            saved = {key: _Slot(s.code, s.may_miss, s.constant, dict(s.shown)) for key, s in self.slots.items()}
            w.line(1, "try:")
            w.line(2, f"if not {exprs.condition(node)}:")
            w.line(3, self._decided(node, author, finding, 3))
            w.line(1, "except _RECOVERABLE:")
            message = author or repr(_expected(node))
            w.line(2, "return " + finding.format(message=message, values="{}"))
            self.slots = saved  # what a branch computed is not defined after it
        everything = "expected " + " and ".join(format_expression(c) for c in conjuncts)
        w.line(1, "return " + finding.format(message=author or repr(everything), values="{}"))

    def _decided(self, node: ast.Expr, author: str | None, finding: str, depth: int) -> str:
        """Compute what the deciding conjunct shows; the `return` statement of its finding."""
        operands = [o for o in _operand_nodes(node) if not isinstance(o, ast.Literal)]
        slots = [self._slot(o, depth) for o in operands]
        percents = [is_percent(self.checked.type_of(o)) for o in operands]
        entries: list[tuple[str, str, str | None]] = []  # (key, value code, guard)
        for operand, slot, percent in zip(operands, slots, percents, strict=True):
            key = repr(format_expression(operand))
            if not percent:
                shown = slot.code
            elif slot.constant is not DYNAMIC:
                shown = "None" if slot.constant is None else repr(format_value(slot.constant, True))
            else:
                text = self._shown(slot, True, depth)
                shown = f"(None if {slot.code} is None else {text})"
            entries.append((key, shown, f"{slot.code} is not _MISSING" if slot.may_miss else None))
        if all(guard is None for _, _, guard in entries):
            values = "{" + ", ".join(f"{key}: {shown}" for key, shown, _ in entries) + "}"
        else:
            self.w.line(depth, "values = {}")
            for key, shown, guard in entries:
                if guard is None:
                    self.w.line(depth, f"values[{key}] = {shown}")
                else:
                    self.w.line(depth, f"if {guard}:")
                    self.w.line(depth + 1, f"values[{key}] = {shown}")
            values = "values"
        message = author
        if message is None:
            message = repr(_expected(node))
            if isinstance(node, ast.Compare):
                shown_operands = [
                    self._shown(slot, percent, depth)
                    for operand, slot, percent in zip(operands, slots, percents, strict=True)
                    if not _is_constant(self.checked, operand)
                ]
                if shown_operands:
                    message = repr(_expected(node) + ", got ") + " + " + " + ' and ' + ".join(shown_operands)
        return "return " + finding.format(message=message, values=values)

    def _slot(self, node: ast.Expr, depth: int) -> _Slot:
        """The value of `node` for this finding, computed (once) at `depth`."""
        key = format_expression(node)
        slot = self.slots.get(key)
        if slot is not None:
            return slot
        constant = self.exprs.constant_value(node)
        if constant is not DYNAMIC:
            code = repr(constant) if constant is None or isinstance(constant, bool | str) else self.constant(constant)
            slot = _Slot(code, False, constant, {})
        elif isinstance(node, ast.Name) and self._bound(node):  # already a value: nothing can fail
            slot = _Slot(self.exprs.expr(node), False, DYNAMIC, {})
        else:
            var = f"x{self._local()}"
            self.w.line(depth, "try:")
            self.w.line(depth + 1, f"{var} = {self.exprs.expr(node)}")
            self.w.line(depth, "except _EXPLAIN_ERRORS:")
            self.w.line(depth + 1, f"{var} = _MISSING")
            slot = _Slot(var, True, DYNAMIC, {})
        slot.type = self.checked.type_of(node)
        self.slots[key] = slot
        return slot

    def _bound(self, node: ast.Name) -> bool:
        """A local in scope, the charter or today: a value at hand (a param is computed, and may fail)."""
        resolution = self.checked.resolution(node)
        return resolution is None or resolution.kind in ("local", "charter", "today")

    def _shown(self, slot: _Slot, percent: bool, depth: int) -> str:
        """Code for a slot's text in a message: `?` when it could not be computed."""
        code = slot.shown.get(percent)
        if code is not None:
            return code
        if slot.constant is not DYNAMIC:
            code = repr(format_value(slot.constant, percent))
        else:
            code = f"t{self._local()}"
            value = slot.code
            if percent:
                show = f"_show_percent({value})"
            elif slot.type == T.TEXT:
                show = f"({value} if {value}.__class__ is _str else _show({value}))"
            elif slot.type == T.NUMBER:
                show = f"_show_number({value})"
            else:
                show = f"_show({value})"
            if slot.may_miss:
                self.w.line(depth, f"{code} = '?' if {slot.code} is _MISSING else {show}")
            else:
                self.w.line(depth, f"{code} = {show}")
        slot.shown[percent] = code
        return code

    def _local(self) -> int:
        self.locals += 1
        return self.locals - 1

    def _author_message(self, require: ast.Require, depth: int) -> str | None:
        """Code for the author's message: one f-string, its holes computed first into locals."""
        if require.message is None:
            return None
        pieces: list[str] = []
        for part in require.message.parts:
            if isinstance(part, str):
                pieces.append(part.replace("{", "{{").replace("}", "}}"))
                continue
            percent = is_percent(self.checked.type_of(part))
            slot = self._slot(part, depth)
            if slot.constant is not DYNAMIC:  # known now: written into the text
                pieces.append(format_value(slot.constant, percent).replace("{", "{{").replace("}", "}}"))
            else:
                pieces.append("{" + self._shown(slot, percent, depth) + "}")
        # `repr` makes any text a valid literal; with every literal brace doubled, the only
        # replacement fields are the locals written above.
        return "f" + repr("".join(pieces))


def _expected(node: ast.Expr) -> str:
    """A generated message's first words: what the conjunct expects."""
    text = format_expression(node)
    if isinstance(node, ast.Quantifier):
        return f"expected {text}, but {_QUANTIFIER_FAILS[node.quantifier]}"
    return f"expected {text}"


def _is_constant(checked: Any, node: ast.Expr) -> bool:
    """Literals and params: a generated message need not repeat their value."""
    if isinstance(node, ast.Literal):
        return True
    if isinstance(node, ast.ListExpr):
        return all(_is_constant(checked, i) for i in node.items)
    resolution = checked.resolution(node)
    return resolution is not None and resolution.kind == "param"
