"""Hypothesis strategies for well-formed ASTs: every expression kind, clause, declaration and test.

"Well-formed" means some text parses to it: the strategies build only trees the grammar can
express. Three limits of the language shape them:

- a bare name (an expression atom, or the first part of a called name) is never a keyword,
  while field names, record keys and binders may be (`s.from.function`, `{in: 1}`);
- a table row after the first cannot start with `(`, `[`, `-` or `not`: rows have no
  separator, so such a row would continue the previous row's value (see the `error-table-row-
  paren` parser case);
- literals are non-negative (`-5` is a negation) and durations count whole units.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from hypothesis import strategies as st

from policy import ast
from policy.formatter import format_expression
from policy.literals import parse_literal
from policy.values import Money, duration

KEYWORDS = frozenset(
    re.findall(r"\w+", """
    advisory all and any as block by def description each else enforce errors expect fails false for from given
    hard if in let no none not on or otherwise override owner package param pass passes policy require skips soft
    table tags test then true use verdict warn when where with
    """)
)
_NAMES = [
    *("a", "b", "c", "x1", "_", "_tmp", "A", "Zeta", "plan", "weight", "charter", "today", "camelCase", "x9y"),
    # names that look like literal suffixes, currencies and units, to catch lexing mix-ups
    *("e", "k", "M", "B", "USD", "EUR", "days", "day", "months", "years"),
]

names = st.sampled_from(_NAMES)
"""Bare names: never a keyword. A fixed pool: drawing characters one by one is slow."""

identifiers = st.sampled_from(_NAMES + sorted(KEYWORDS))
"""Field names, record keys and binders: any identifier, keywords included."""

dotted = st.builds(lambda head, tail: ".".join([head, *tail]), names, st.lists(identifiers, max_size=2))

texts = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from('"\\{}\n\t#')), max_size=8
)


# ---- literals: a spelling and the value the literal reader gives it ----------------------------

_digits = st.builds(str.__add__, st.sampled_from("0123456789"), st.text("0123456789_", max_size=5))
_amount = st.builds(
    lambda whole, fraction: whole + (f".{fraction}" if fraction else ""),
    _digits,
    st.one_of(st.none(), _digits),
)
_suffix = st.sampled_from(["", "", "k", "M", "B"])
_space = st.sampled_from([" ", " ", "  ", "\t"])
_currency = st.one_of(
    st.sampled_from(["USD", "EUR", "GBP"]), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
)

_spellings = st.one_of(
    st.tuples(st.just("NUMBER"), st.builds(str.__add__, _amount, _suffix)),
    st.tuples(st.just("PERCENT"), st.builds(lambda a: a + "%", _amount)),
    st.tuples(st.just("MONEY"), st.builds(lambda a, s, sp, c: f"{a}{s}{sp}{c}", _amount, _suffix, _space, _currency)),
    st.tuples(st.just("DOLLARS"), st.builds(lambda a, s: f"${a}{s}", _amount, _suffix)),
    st.tuples(st.just("DATE"), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)),
    st.tuples(
        st.just("DURATION"),
        st.builds(lambda n, sp, u: f"{n}{sp}{u}", _digits, _space, st.sampled_from(["day", "days", "month",
                                                                                  "months", "year", "years"])),
    ),
)


@st.composite
def _spelled_literal(draw: st.DrawFn) -> ast.Literal:
    token, text = draw(_spellings)
    value, type_name = parse_literal(token, " ".join(text.split()))
    return ast.Literal(value, type_name, draw(st.sampled_from([text, ""])))


_plain_literals = st.one_of(
    st.builds(lambda d: ast.Literal(d, "number"), st.decimals(0, 10**12, places=3)),
    st.builds(lambda d: ast.Literal(d / 100, "percent"), st.decimals(0, 10**4, places=2)),
    st.builds(lambda d, c: ast.Literal(Money(d, c), "money"), st.decimals(0, 10**9, places=2), _currency),
    st.builds(lambda n, u: ast.Literal(duration(Decimal(n), u), "duration"), st.integers(0, 400),
              st.sampled_from(["days", "months", "years"])),
    st.builds(lambda s: ast.Literal(s, "text"), texts),
    st.sampled_from([ast.Literal(True, "bool"), ast.Literal(False, "bool"), ast.Literal(None, "none")]),
)

literals = st.one_of(_spelled_literal(), _plain_literals)


# ---- expressions ------------------------------------------------------------------------------


def _extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    few = st.lists(inner, max_size=3).map(tuple)
    optional = st.one_of(st.none(), inner)
    return st.one_of(
        st.builds(ast.Field, inner, identifiers),
        st.builds(ast.Index, inner, inner),
        st.builds(ast.Call, dotted, few),
        st.builds(ast.Aggregate, st.one_of(st.sampled_from(["sum", "count", "min", "max", "avg"]), dotted),
                  inner, identifiers, inner, optional),
        st.builds(ast.Unary, st.sampled_from(["not", "-"]), inner),
        st.builds(ast.Binary, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.builds(ast.Logical, st.sampled_from(["and", "or"]), inner, inner),
        st.builds(ast.Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]), inner, inner),
        st.builds(ast.Quantifier, st.sampled_from(["any", "all", "no"]), identifiers, inner, inner),
        st.builds(ast.Conditional, inner, inner, inner),
        st.builds(ast.ListExpr, few),
        st.builds(ast.RecordExpr, st.lists(st.tuples(st.one_of(identifiers, texts), inner), max_size=3).map(tuple)),
    )


_atoms = st.one_of(literals, st.builds(ast.Name, names))
expressions: st.SearchStrategy[ast.Expr] = st.recursive(_atoms, _extend, max_leaves=10)
small = st.recursive(_atoms, _extend, max_leaves=3)
"""Expressions inside clauses and declarations: smaller, since `expressions` is tested alone."""
records = st.builds(ast.RecordExpr, st.lists(st.tuples(st.one_of(identifiers, texts), small), max_size=3).map(tuple))


@st.composite
def messages(draw: st.DrawFn) -> ast.Message:
    """A message as the parser builds it: no empty text and no two text parts in a row."""
    parts: list[str | ast.Expr] = []
    for part in draw(st.lists(st.one_of(texts, small), min_size=1, max_size=4)):
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        elif part != "":
            parts.append(part)
    return ast.Message(tuple(parts))


# ---- clauses, declarations and tests ----------------------------------------------------------

_enforce = st.one_of(
    st.builds(ast.Enforce, st.sampled_from(["advisory", "hard", "soft"]), st.none()),
    st.builds(ast.Enforce, st.just("soft"), small),
)
_meta = st.one_of(
    st.builds(ast.Meta, st.sampled_from(["owner", "description"]), texts),
    st.builds(ast.Meta, st.just("tags"), st.lists(texts, max_size=3).map(tuple)),
)
_simple_clauses = st.one_of(
    st.builds(ast.On, identifiers, identifiers),
    st.builds(ast.When, small),
    st.builds(ast.Let, identifiers, small),
    st.builds(ast.Require, small, st.one_of(st.none(), messages())),
    _enforce,
    _meta,
)
clauses: st.SearchStrategy[ast.Clause] = st.recursive(
    _simple_clauses,
    lambda inner: st.builds(ast.ForEach, identifiers, small, st.one_of(st.none(), small),
                            st.lists(inner, max_size=3).map(tuple)),
    max_leaves=6,
)
_clause_lists = st.lists(clauses, max_size=3).map(tuple)


def _may_follow(row: ast.TableRow) -> ast.TableRow:
    """A row that can follow another: one whose condition would continue the previous row's
    value is put on the right of a comparison instead (cheaper than filtering it out)."""
    text = format_expression(row.condition)
    if text[0] in "([-" or text.startswith("not "):
        return ast.TableRow(ast.Compare("==", ast.Name("row"), row.condition), row.value)
    return row


@st.composite
def tables(draw: st.DrawFn) -> ast.Table:
    rows = [ast.TableRow(draw(small), draw(small))] if draw(st.booleans()) else []
    later = st.builds(ast.TableRow, small, small).map(_may_follow)
    rows += draw(st.lists(later, max_size=3))
    params = tuple(draw(st.lists(identifiers, max_size=3)))
    return ast.Table(draw(identifiers), params, tuple(rows), draw(st.one_of(st.none(), small)))


_givens = st.one_of(
    st.builds(ast.Given, identifiers, st.none(), records),
    st.builds(ast.Given, identifiers, texts, st.one_of(st.none(), records)),
)
_expects = st.one_of(
    st.builds(ast.Expect, st.none(), st.sampled_from(["pass", "warn", "block"])),
    st.builds(ast.Expect, st.builds(lambda h, t: ".".join([h, *t]), identifiers.filter(lambda n: n != "verdict"),
                                    st.lists(identifiers, max_size=2)),
              st.sampled_from(["passes", "fails", "skips", "errors"])),
)

declarations = st.one_of(
    st.builds(ast.Use, identifiers),
    st.builds(ast.Param, identifiers, small),
    st.builds(ast.Def, identifiers, st.lists(identifiers, max_size=3).map(tuple), small),
    tables(),
    st.builds(ast.Policy, identifiers, st.one_of(st.none(), texts), _clause_lists),
    st.builds(ast.Test, texts, st.lists(_givens, max_size=3).map(tuple), st.lists(_expects, max_size=3).map(tuple)),
)


@st.composite
def modules(draw: st.DrawFn) -> ast.Module:
    """A module whose package, when it has one, comes first (as `rev fmt` puts it)."""
    package = draw(st.one_of(st.none(), identifiers))
    decls = draw(st.lists(declarations, max_size=3))
    if package is not None:
        decls.insert(0, ast.Package(package))
    return ast.Module("generated.rev", package or "generated", tuple(decls))
