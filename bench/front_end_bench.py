"""Parse + check time of a generated 1,000-policy set (issue 2's target: under one second).

    python bench/front_end_bench.py [--policies 1000] [--repeat 5]

Prints the best of `--repeat` runs for parsing, checking and both, and the ratio of the total
to the one-second budget (below 1.00 meets it). The set mixes the constructs real packs use:
params, defs, a table, `for each` with `where`, quantifiers, aggregates and messages.
"""

from __future__ import annotations

import argparse
import statistics
import time

from policy.checker import check_modules
from policy.parser import parse_module

TARGET_SECONDS = 1.0

HEADER = """package gen{n}

param floor{n} = 20%
param limit{n} = 50k USD

def share{n}(plan) = sum(c.weight for c in plan.components where c.kpi in charter.shared_kpis)

table band{n}(amount) {{
  amount <= 10k USD => "line_owner"
  amount <= 50k USD => "cfo"
  otherwise         => "exec_committee"
}}
"""

POLICIES = [
    """
policy weights{n}_{i} "Weights add up {i}" {{
  on comp_plan as plan
  when plan.role.function in ["sales", "marketing"]
  let weight = share{n}(plan)
  require weight >= floor{n}
    else "{{plan.role.title}} weights shared KPIs at {{weight}}; at least {{floor{n}}} is required"
  require sum(c.weight for c in plan.components) == 100%
  enforce soft override by "cfo@acme.example"
  owner "revops@acme.example"
}}
""",
    """
policy shifts{n}_{i} "Shift approvals {i}" {{
  on budget as b
  for each s in b.shifts where s.amount > limit{n} {{
    require any a in s.approvals: a.role == band{n}(s.amount) and a.decision == "approved"
      else "shift {{s.id}} moves {{s.amount}}; it needs {{band{n}(s.amount)}}"
    require no a in s.approvals: a.approver == s.requested_by
  }}
}}
""",
    """
policy template{n}_{i} "Template sections {i}" {{
  on review_template as t
  require sum(s.weight for s in t.sections where s.rated) == 100%
  for each s in t.sections where s.type == "shared_outcomes" {{
    require all k in s.kpis: k in charter.shared_kpis else "section {{s.id}} rates {{s.kpis}}"
  }}
  enforce advisory
}}
""",
    """
policy charter{n}_{i} "Charter owners {i}" {{
  on charter as c
  for each k in c.kpis where k.id in c.shared_kpis {{
    require person(k.owner) != none and k.cadence != none and count(k.consequences) > 0
  }}
}}
""",
]


def generate(policies: int, per_file: int = 25) -> dict[str, str]:
    """`policies` policies in files of `per_file`, each file its own package."""
    files: dict[str, str] = {}
    for n in range(max(1, policies // per_file)):
        body = [HEADER.format(n=n)]
        body.extend(POLICIES[i % len(POLICIES)].format(n=n, i=i) for i in range(per_file))
        files[f"gen{n}.rev"] = "".join(body)
    return files


def lark_floor(files: dict[str, str]) -> float:
    """The same text through Lark alone (lexing and LALR, callbacks that build nothing): the
    floor any Lark-based front end pays, measured in the same run so the ratio survives noise."""
    from lark import Lark

    from grammar import grammar_text
    from policy.lexer import RevLexer
    from policy.parser import _CALLBACKS

    class Nothing:
        pass

    nothing = Nothing()
    for name in vars(_CALLBACKS):
        setattr(nothing, name, lambda children: children)
    parser = Lark(grammar_text(), parser="lalr", lexer=RevLexer, start=["start", "expr"], transformer=nothing)
    start = time.perf_counter()
    for text in files.values():
        parser.parse(text, start="start")
    return time.perf_counter() - start


def measure(files: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    modules = [parse_module(text, name) for name, text in sorted(files.items())]
    parsed = time.perf_counter()
    check_modules(modules)
    checked = time.perf_counter()
    return parsed - start, checked - parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = generate(args.policies)
    measure(files)  # warm up: build the LALR tables once, as a long-running process would
    runs = [measure(files) for _ in range(args.repeat)]
    parse = min(r[0] for r in runs)
    check = min(r[1] for r in runs)
    total = min(r[0] + r[1] for r in runs)
    lines = sum(t.count("\n") for t in files.values())
    print(f"policy set: {args.policies} policies, {len(files)} files, {lines:,} lines")
    print(f"parse: {parse * 1000:8.1f} ms (best of {args.repeat})")
    print(f"check: {check * 1000:8.1f} ms")
    print(f"total: {total * 1000:8.1f} ms  (median {statistics.median(r[0] + r[1] for r in runs) * 1000:.1f} ms)")
    floor = min(lark_floor(files) for _ in range(args.repeat))
    print(f"Lark alone (lex + LALR, no AST): {floor * 1000:8.1f} ms; parse + check is {total / floor:.2f}× that floor")
    verdict = "meets" if total < TARGET_SECONDS else "misses"
    print(f"ratio to the {TARGET_SECONDS:.0f} s target: {total / TARGET_SECONDS:.2f} ({verdict})")


if __name__ == "__main__":
    main()
