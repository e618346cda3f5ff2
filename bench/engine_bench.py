"""Compiled policies vs the same checks written by hand in Python with Decimal (issue 3).

    python bench/engine_bench.py [--documents 10000] [--seed 7]

Generates comp plans and budgets (mostly compliant, as real submissions are), loads them once,
then times, per document, `PolicySet.evaluate` (a full Decision: verdict, findings with
messages, per-policy outcomes) against `bench/handwritten.py` (failures with messages). It
prints p50/p99 per document for both and their ratio (the target is at most 1.5×), and checks
that the two agree on every failing (policy, path, outcome).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import budget, comp_plan  # noqa: E402
from handwritten import CHECKS, _kpis  # noqa: E402

from engine import load_policy_dir  # noqa: E402
from engine.policy_set import context_value  # noqa: E402
from policy.documents import load_document, parse_document  # noqa: E402

TARGET_RATIO = 1.5
DATE = dt.date(2026, 7, 15)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(kind: str, documents: list, policy_set, charter) -> tuple[list[float], list[float], int]:
    check = CHECKS[kind]
    charter_value = context_value(charter)
    kpis = _kpis(charter_value)
    engine_ns, hand_ns, disagreements = [], [], 0
    for _ in range(2):  # warm caches and branch predictors on a first pass, measure the second
        engine_ns, hand_ns = [], []
        for document in documents:
            t0 = time.perf_counter_ns()
            decision = policy_set.evaluate(document, charter=charter, date=DATE)
            t1 = time.perf_counter_ns()
            check(document.value, charter_value, kpis)
            t2 = time.perf_counter_ns()
            engine_ns.append(t1 - t0)
            hand_ns.append(t2 - t1)
    for document in documents:
        decision = policy_set.evaluate(document, charter=charter, date=DATE)
        got = Counter((f.policy, f.path, f.outcome) for f in decision.findings)
        want = Counter((p, path, outcome) for p, path, outcome, _ in check(document.value, charter_value, kpis))
        disagreements += got != want
    return engine_ns, hand_ns, disagreements


def report(kind: str, engine_ns: list[float], hand_ns: list[float], disagreements: int, blocked: int) -> float:
    e50, e99 = percentile(engine_ns, 0.5) / 1000, percentile(engine_ns, 0.99) / 1000
    h50, h99 = percentile(hand_ns, 0.5) / 1000, percentile(hand_ns, 0.99) / 1000
    ratio = statistics.fmean(engine_ns) / statistics.fmean(hand_ns)
    print(f"{kind:10} n={len(engine_ns):>6}  blocked={blocked:>5}  disagreements={disagreements}")
    print(f"  compiled   p50 {e50:7.1f} µs   p99 {e99:7.1f} µs   mean {statistics.fmean(engine_ns) / 1000:7.1f} µs")
    print(f"  hand-made  p50 {h50:7.1f} µs   p99 {h99:7.1f} µs   mean {statistics.fmean(hand_ns) / 1000:7.1f} µs")
    print(f"  ratio (mean) {ratio:.2f}×  p50 {e50 / h50:.2f}×  p99 {e99 / h99:.2f}×   target ≤ {TARGET_RATIO}×")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    policy_set = load_policy_dir(HERE / "policies")
    charter = load_document(HERE / "charter.yaml")
    print(f"policies: {len(policy_set.policy_ids)} ({', '.join(policy_set.policy_ids)})")
    plans = [parse_document(comp_plan(rng, i), f"plan-{i}") for i in range(args.documents)]
    budgets = [parse_document(budget(rng, i), f"budget-{i}") for i in range(args.documents)]
    ratios = []
    for kind, documents in (("comp_plan", plans), ("budget", budgets)):
        engine_ns, hand_ns, disagreements = run(kind, documents, policy_set, charter)
        blocked = sum(policy_set.evaluate(d, charter=charter, date=DATE).verdict == "block" for d in documents)
        ratios.append(report(kind, engine_ns, hand_ns, disagreements, blocked))
    worst = max(ratios)
    print(f"worst ratio {worst:.2f}× — {'meets' if worst <= TARGET_RATIO else 'misses'} the {TARGET_RATIO}× target")


if __name__ == "__main__":
    main()
