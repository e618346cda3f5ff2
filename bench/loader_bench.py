"""Document loading: the fast path for valid documents against the thorough path alone.

    python bench/loader_bench.py [--reps 9] [--documents 200] [--seed 7]

Times the public loader (`parse_document`, and `load_document_text` for YAML text) as it is —
fast path first, thorough path on doubt — against the same functions with the fast path
switched off, which is how every document was loaded before. Sets: the example documents of
`examples/documents` as parsed data (an API body) and as YAML text, and comp plans and budgets
from `bench/generate.py` after a JSON round trip (what the service receives).

Both are timed in the same run, in alternating passes, and each document keeps its fastest
pass (the VM is shared: timings move ±50% between runs, less within one). The fast path
memoises conversions of text and integers across documents, so it is timed three ways: on
documents it has seen (caches warm), with its caches emptied before each document (cold), and
— closest to a service — on batches of generated documents never loaded before, after others
were (unseen). It prints the mean time per document and the ratios, and first checks that
both paths give the same value tree, canonical form and hash for every document.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from generate import budget, comp_plan  # noqa: E402

from policy.documents import LoadedDocument, load_document_text, loading, parse_document  # noqa: E402
from policy.documents.fast_path import clear_caches, load_valid  # noqa: E402

EXAMPLES = HERE.parent / "examples" / "documents"


@contextlib.contextmanager
def thorough_only() -> Iterator[None]:
    """The loader as it was: every document through the thorough path."""
    with mock.patch.object(loading, "load_valid", lambda data, expected_kind=None: None):
        yield


def _pass(load: Callable[[Any], LoadedDocument], inputs: list[Any], cold: bool = False) -> list[int]:
    """One pass, timing each input; `cold` empties the fast path's caches before each one."""
    clock = time.perf_counter_ns
    times = []
    for item in inputs:
        if cold:
            clear_caches()
        start = clock()
        load(item)
        times.append(clock() - start)
    return times


def best_times(load: Callable[[Any], LoadedDocument], inputs: list[Any], reps: int) -> list[list[int]]:
    """Per-input fastest times (ns): fast path, fast path with cold caches, thorough path only."""
    best = [[10**18] * len(inputs) for _ in range(3)]
    for _ in range(reps):
        passes = [_pass(load, inputs), _pass(load, inputs, cold=True)]
        with thorough_only():
            passes.append(_pass(load, inputs))
        best = [[min(a, b) for a, b in zip(old, new, strict=True)] for old, new in zip(best, passes, strict=True)]
    return best


def check_agreement(load: Callable[[Any], LoadedDocument], inputs: list[Any]) -> None:
    """Both paths give the same document (the tests check this thoroughly; this is a guard)."""
    for item in inputs:
        fast = load(item)
        with thorough_only():
            thorough = load(item)
        same = (fast.value, fast.canonical, fast.sha256) == (thorough.value, thorough.canonical, thorough.sha256)
        assert same, f"the paths disagree on {item!r:.80}"


def _micros(nanos: int | Decimal) -> str:
    return f"{Decimal(nanos) / 1000:8.1f}"


def report(name: str, load: Callable[[Any], LoadedDocument], inputs: list[Any], fast: int, reps: int) -> Decimal:
    check_agreement(load, inputs)
    new, cold, old = (Decimal(sum(times)) for times in best_times(load, inputs, reps))
    count = Decimal(len(inputs))
    print(
        f"{name:34s} {len(inputs):5d} {fast:5d}  {_micros(new / count)} µs {_micros(cold / count)} µs"
        f"  {_micros(old / count)} µs  {old / new:5.2f}×  {old / cold:5.2f}×"
    )
    return min(old / new, old / cold)


def stream(name: str, make: Callable[[random.Random, int], Any], count: int, reps: int, seed: int) -> Decimal:
    """Unseen documents, as a service meets them: each pass loads a batch never loaded before.

    The caches hold what earlier batches left (the org's dates, percents, people), not this
    batch's own values. Each path keeps its fastest pass.
    """
    batches = [
        [json.loads(json.dumps(make(random.Random(seed * 1000 + rep), i))) for i in range(count)]
        for rep in range(reps + 1)
    ]
    for body in batches[0]:  # the service has loaded documents before
        parse_document(body, "document")
    new = old = 10**18
    for batch in batches[1:]:
        new = min(new, sum(_pass(lambda body: parse_document(body, "document"), batch)))
        with thorough_only():
            old = min(old, sum(_pass(lambda body: parse_document(body, "document"), batch)))
    per = Decimal(count)
    print(
        f"{name:34s} {count:5d} {'':5s}  {_micros(Decimal(new) / per)} µs {'':11s}  {_micros(Decimal(old) / per)} µs"
        f"  {Decimal(old) / Decimal(new):5.2f}×"
    )
    return Decimal(old) / Decimal(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=9, help="passes per path; each document keeps its fastest")
    parser.add_argument("--documents", type=int, default=200, help="generated comp plans, and as many budgets")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    paths = sorted(EXAMPLES.glob("*.yaml"))
    texts = [(p.name, p.read_text()) for p in paths]
    data = [(p.name, yaml.safe_load(t)) for p, (_, t) in zip(paths, texts, strict=True)]
    rng = random.Random(args.seed)
    plans = [json.loads(json.dumps(comp_plan(rng, i))) for i in range(args.documents)]
    budgets = [json.loads(json.dumps(budget(rng, i))) for i in range(args.documents)]

    def from_data(item: tuple[str, Any]) -> LoadedDocument:
        return parse_document(item[1], item[0])

    def from_yaml(item: tuple[str, str]) -> LoadedDocument:
        return load_document_text(item[1], item[0], "yaml")

    def from_body(body: Any) -> LoadedDocument:
        return parse_document(body, "document")

    print(
        f"{'set':34s} {'docs':>5s} {'fast':>5s}  {'new':>11s} {'new, cold':>11s}  {'old':>11s}"
        f"  {'ratio':>6s}  {'cold':>6s}"
    )
    ratios = [
        report(
            "examples/documents, parsed data",
            from_data,
            data,
            sum(load_valid(d) is not None for _, d in data),
            args.reps,
        ),
        report(
            "examples/documents, YAML text",
            from_yaml,
            texts,
            sum(load_valid(d) is not None for _, d in data),
            args.reps,
        ),
        report(
            "generated comp plans (JSON body)",
            from_body,
            plans,
            sum(load_valid(d) is not None for d in plans),
            args.reps,
        ),
        report(
            "generated budgets (JSON body)",
            from_body,
            budgets,
            sum(load_valid(d) is not None for d in budgets),
            args.reps,
        ),
    ]
    ratios += [
        stream("unseen comp plans, one pass each", comp_plan, args.documents, args.reps, args.seed),
        stream("unseen budgets, one pass each", budget, args.documents, args.reps, args.seed),
    ]
    print(
        f"best of {args.reps} passes per document. new: fast path (thorough on doubt); cold: its caches emptied"
        " before each document; old: thorough path only. fast: documents the fast path took."
    )
    print("unseen: batches of new documents, each loaded once (caches warmed by earlier batches only).")
    parsed = [ratios[0], *ratios[2:]]
    print(f"ratio on parsed data: lowest {min(parsed):.2f}×, of unseen documents {min(ratios[4:]):.2f}× (target ≥ 3×)")


if __name__ == "__main__":
    main()
