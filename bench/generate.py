"""Seeded generators of realistic comp plans and budgets, mostly compliant, some not.

Used by the engine benchmark and by the engine's property tests (through hypothesis seeds),
so both exercise the same shapes: documents in plain document notation, loaded through the
real loader.
"""

from __future__ import annotations

import random
from typing import Any

PEOPLE = [
    "cro@acme.example",
    "cmo@acme.example",
    "cfo@acme.example",
    "ceo@acme.example",
    "vp-sdr@acme.example",
    "vp-demand-gen@acme.example",
    "fpa-lead@acme.example",
    "revops-lead@acme.example",
]
KPIS = ["pipeline_created", "net_new_arr", "pipeline_coverage", "cac_payback", "mql_count", "event_attendance"]
FUNCTIONS = ["sales", "marketing", "customer_success"]


def _weights(rng: random.Random, n: int, exact: bool) -> list[int]:
    cuts = sorted(rng.sample(range(5, 100, 5), n - 1)) if n > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    if not exact:
        parts[-1] = max(5, parts[-1] - 10)
    return parts


def comp_plan(rng: random.Random, index: int, clean: float = 0.8) -> dict[str, Any]:
    """A comp plan; with probability 1 - `clean` it breaks one or more rules."""
    ok = rng.random() < clean
    n = rng.choice([1, 2, 2, 3, 3, 4]) if not ok else rng.choice([2, 3])
    weights = _weights(rng, n, exact=ok or rng.random() < 0.5)
    kpis = ["pipeline_created", *rng.sample(KPIS[1:] if not ok else KPIS[1:5], n - 1)]
    components = [
        {
            "id": f"c{i + 1}",
            "name": f"Measure {i + 1}",
            "kpi": kpis[i],
            "scope": "team_shared" if i == 0 else "individual",
            "weight": f"{w}%",
            "rate_table": [{"from": "0%", "to": None, "multiplier": "1.0"}],
        }
        for i, w in enumerate(weights)
    ]
    base = rng.randrange(60_000, 150_000, 5_000)
    variable = rng.randrange(20_000, 150_000, 5_000)
    author = rng.choice(PEOPLE[4:])
    approvals = [
        {"role": "finance", "approver": "cfo@acme.example", "decision": "approved", "at": "2026-01-10"},
        {
            "role": "comp_committee",
            "approver": "ceo@acme.example" if ok or rng.random() < 0.5 else author,
            "decision": "approved",
            "at": "2026-01-12",
        },
    ]
    return {
        "kind": "comp_plan",
        "id": f"cp-{index}",
        "version": "1",
        "fiscal_year": "FY26",
        "effective": {"start": "2026-02-01", "end": "2027-01-31"},
        "role": {
            "code": f"R{index}",
            "title": f"Role {index}",
            "function": rng.choice(FUNCTIONS),
            "work_states": ["NY"],
        },
        "currency": "USD",
        "ote": base + variable + (0 if ok or rng.random() < 0.7 else 5_000),
        "base_salary": base,
        "target_variable": variable,
        "pay_mix": {"base": "50%", "variable": "50%"},
        "components": components,
        "spifs": [],
        "clawback": {"enabled": False, "window_days": 0, "triggers": []},
        "crediting": {"basis": "ACV", "event": "closed_won"},
        "acknowledgment_required": False,
        "author": author,
        "approvals": approvals,
        "change_log": [],
    }


def budget(rng: random.Random, index: int, clean: float = 0.8) -> dict[str, Any]:
    """A budget with 4–8 lines and 1–4 shifts between them."""
    lines = []
    for i in range(rng.randint(4, 8)):
        function = rng.choice(FUNCTIONS[:2])
        lines.append(
            {
                "id": f"L{i}",
                "cost_center": f"CC-{i}",
                "function": function,
                "category": rng.choice(["program", "tooling", "personnel"]),
                "owner": "cmo@acme.example" if function == "marketing" else "cro@acme.example",
                "amount": rng.randrange(100_000, 2_000_000, 10_000),
                "headcount": rng.randint(0, 9),
                "kpis": rng.sample(KPIS[:3], rng.randint(1, 2)),
            }
        )
    shifts = [_shift(rng, lines, j, rng.random() < clean) for j in range(rng.randint(1, 4))]
    return {
        "kind": "budget",
        "id": f"bud-{index}",
        "fiscal_year": "FY26",
        "period": "H2",
        "status": "proposed",
        "currency": "USD",
        "author": "fpa-lead@acme.example",
        "lines": lines,
        "shifts": shifts,
    }


def _shift(rng: random.Random, lines: list[dict[str, Any]], j: int, ok: bool) -> dict[str, Any]:
    source, target = rng.sample(lines, 2)
    amount = rng.choice([5_000, 8_000, 20_000, 45_000, 60_000, 120_000, 240_000])
    if ok:
        amount = min(amount, int(source["amount"]) // 4)
    level = "line_owner" if amount <= 10_000 else "cfo" if amount <= 50_000 else "exec_committee"
    requester = rng.choice(PEOPLE[4:])
    approvals = [{"role": level, "approver": "cfo@acme.example", "decision": "approved", "at": "2026-07-02"}]
    approvals += [
        {"role": "kpi_owner", "approver": p, "decision": "approved", "at": "2026-07-02"}
        for p in ("cmo@acme.example", "cro@acme.example")
    ]
    if ok or rng.random() < 0.5:
        approvals.append(
            {"role": "exec_committee", "approver": "ceo@acme.example", "decision": "approved", "at": "2026-07-03"}
        )
    if not ok and rng.random() < 0.3:
        approvals.append({"role": "line_owner", "approver": requester, "decision": "approved", "at": "2026-07-03"})
    return {
        "id": f"SH-{j}",
        "from_line": source["id"],
        "to_line": target["id"],
        "amount": amount,
        "recurring": False,
        "headcount_delta": 0 if ok else rng.randint(0, 2),
        "requested_by": requester,
        "requested_at": "2026-07-01",
        "justification": "Pipeline coverage is behind plan; this move funds the fastest lever we have."
        if ok or rng.random() < 0.5
        else "no money",
        "decision_kpi": rng.choice(KPIS[:3]) if ok else rng.choice(KPIS),
        "approvals": approvals,
    }
