"""The example incentives and budgeting policies written by hand in Python, with `Decimal`.

The baseline `engine_bench.py` compares compiled policies against, and an independent oracle
the engine's property tests compare decisions with. It reads the same value trees the engine
does and returns `(policy, path, outcome, message)` for every failing check instance, with the
very message the policy's `else` text (or the engine's generated message) gives; like the
engine, it formats a message only for a check that failed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from policy.values import Money, format_money, format_percent

Result = tuple[str, str, str, str]
MIN_SHARED_WEIGHT = Decimal("0.2")
KPI_OWNER_THRESHOLD = Money(Decimal(50_000), "USD")
BAND_LINE_OWNER = Money(Decimal(10_000), "USD")
BAND_CFO = Money(Decimal(50_000), "USD")


def _kpis(charter: dict[str, Any]) -> dict[str, Any]:
    return {k["id"]: k for k in charter["kpis"]}


def check_comp_plan(plan: dict[str, Any], charter: dict[str, Any], kpis: dict[str, Any]) -> list[Result]:
    """incentives.*: shared weight, weights total, few measures, registered KPIs, OTE, approvals."""
    out: list[Result] = []
    components = plan["components"]
    shared = charter["shared_kpis"]
    if plan["role"]["function"] in ("sales", "marketing"):
        weight = sum((c["weight"] for c in components if c["kpi"] in shared), Decimal(0))
        if not weight >= MIN_SHARED_WEIGHT:
            out.append(
                (
                    "incentives.shared_kpi_weight",
                    "",
                    "fail",
                    f"{plan['role']['title']} plan weights shared KPIs at {format_percent(weight)}; "
                    f"at least 20% is required",
                )
            )
    total = sum((c["weight"] for c in components), Decimal(0))
    if total != 1:
        out.append(
            (
                "incentives.weights_total_100",
                "",
                "fail",
                f"component weights add up to {format_percent(total)}, not 100%",
            )
        )
    if len(components) > 3:
        out.append(
            ("incentives.few_measures", "", "fail", f"{len(components)} components; keep plans to three measures")
        )
    for i, c in enumerate(components):
        if c["weight"] < Decimal("0.1"):
            out.append(
                (
                    "incentives.few_measures",
                    f"/components/{i}",
                    "fail",
                    f"component {c['name']} is weighted {format_percent(c['weight'])}; "
                    f"below 10% it changes no behaviour",
                )
            )
    for i, c in enumerate(components):
        if kpis.get(c["kpi"]) is None:
            out.append(
                (
                    "incentives.registered_kpis",
                    f"/components/{i}",
                    "fail",
                    f"component {c['name']} measures {c['kpi']}, which the charter does not define",
                )
            )
    try:
        ote, pay = plan["ote"], plan["base_salary"] + plan["target_variable"]
        if ote != pay:
            message = (
                "expected plan.ote == plan.base_salary + plan.target_variable, "
                f"got {format_money(ote)} and {format_money(pay)}"
            )
            out.append(("incentives.ote_adds_up", "", "fail", message))
    except ArithmeticError as error:
        out.append(("incentives.ote_adds_up", "", "error", str(error)))
    approvals = plan["approvals"]
    if not any(a["role"] == "finance" and a["decision"] == "approved" for a in approvals):
        out.append(("incentives.plan_approved", "", "fail", "finance has not approved this plan"))
    if not any(a["role"] == "comp_committee" and a["decision"] == "approved" for a in approvals):
        out.append(("incentives.plan_approved", "", "fail", "the comp committee has not approved this plan"))
    if any(a["approver"] == plan["author"] for a in approvals):
        out.append(("incentives.plan_approved", "", "fail", f"{plan['author']} wrote this plan and may not approve it"))
    return out


def _level(amount: Money) -> str:
    if amount <= BAND_LINE_OWNER:
        return "line_owner"
    if amount <= BAND_CFO:
        return "cfo"
    return "exec_committee"


def _approved(shift: dict[str, Any], role: str) -> bool:
    return any(a["role"] == role and a["decision"] == "approved" for a in shift["approvals"])


def check_budget(budget: dict[str, Any], charter: dict[str, Any], kpis: dict[str, Any]) -> list[Result]:
    """budgeting.*: approval bands, KPI owners, self-approval, cross-function, headcount, share."""
    out: list[Result] = []
    for i, s in enumerate(budget["shifts"]):
        path = f"/shifts/{i}"
        out.extend(_check_shift(s, path, charter, kpis))
    return out


def _check_shift(s: dict[str, Any], path: str, charter: dict[str, Any], kpis: dict[str, Any]) -> list[Result]:
    out: list[Result] = []
    amount, source, target = s["amount"], s["from"], s["to"]
    level = _level(amount)
    if not _approved(s, level):
        out.append(
            (
                "budgeting.approval_band",
                path,
                "fail",
                f"shift {s['id']} moves {format_money(amount)}; it needs approval at the {level} level",
            )
        )
    if amount > KPI_OWNER_THRESHOLD:
        for k in charter["shared_kpis"]:
            if k in source["kpis"] or k in target["kpis"]:
                kpi = kpis.get(k)
                if kpi is None:
                    out.append(("budgeting.shift_needs_kpi_owner", path, "error", f"{k} is not in the charter"))
                elif not any(a["approver"] == kpi["owner"] and a["decision"] == "approved" for a in s["approvals"]):
                    out.append(
                        (
                            "budgeting.shift_needs_kpi_owner",
                            path,
                            "fail",
                            f"shift {s['id']} moves {format_money(amount)} and touches {k}; "
                            f"its owner {kpi['owner']} has not approved it",
                        )
                    )
    if any(a["approver"] == s["requested_by"] for a in s["approvals"]):
        out.append(
            (
                "budgeting.no_self_approval",
                path,
                "fail",
                f"{s['requested_by']} requested shift {s['id']} and approved it too",
            )
        )
    if source["function"] != target["function"]:
        if kpis.get(s["decision_kpi"]) is None:
            message = (
                f"shift {s['id']} moves money from {source['function']} to {target['function']} "
                "without a registered KPI to decide it"
            )
            out.append(("budgeting.cross_function_shift", path, "fail", message))
        if len(s["justification"]) < 40:
            message = f"shift {s['id']} crosses functions; its justification must say why in at least 40 characters"
            out.append(("budgeting.cross_function_shift", path, "fail", message))
    if (target["category"] == "personnel" or s["headcount_delta"] > 0) and not _approved(s, "exec_committee"):
        out.append(
            (
                "budgeting.headcount_moves",
                path,
                "fail",
                f"shift {s['id']} funds headcount; the executive committee has not approved it",
            )
        )
    share = Decimal("0.25") * source["amount"]
    if not amount <= share:
        message = f"expected s.amount <= 25% * s.from.amount, got {format_money(amount)} and {format_money(share)}"
        out.append(("budgeting.source_share", path, "fail", message))
    return out


CHECKS = {"comp_plan": check_comp_plan, "budget": check_budget}
