"""Document loading: the fast path for valid documents against the thorough path alone.

    python bench/loader_bench.py [--reps 9] [--documents 200] [--seed 7]

Times the public loader (`parse_document`, and `load_document_text` for YAML text) as it is —
fast path first, thorough path on doubt — against the same functions with the fast path
switched off, which is how every document was loaded before. Sets: the example documents of
`examples/documents` as parsed data (an API body) and as YAML text, and comp plans and budgets
from `bench/generate.py` after a JSON round trip (what the service receives).

Both are timed in the same run, in alternating passes, and each document keeps its fastest
pass (the VM is shared: timings move ±50% between runs, less within one). It prints the mean
time per document of each and the ratio, and first checks that both give the same value
tree, canonical form and hash for every document.
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
from policy.documents.fast_path import load_valid  # noqa: E402

EXAMPLES = HERE.parent / "examples" / "documents"


@contextlib.contextmanager
def thorough_only() -> Iterator[None]:
    """The loader as it was: every document through the thorough path."""
    with mock.patch.object(loading, "load_valid", lambda data, expected_kind=None: None):
        yield


def _pass(load: Callable[[Any], LoadedDocument], inputs: list[Any]) -> list[int]:
    clock = time.perf_counter_ns
    times = []
    for item in inputs:
        start = clock()
        load(item)
        times.append(clock() - start)
    return times


def best_times(load: Callable[[Any], LoadedDocument], inputs: list[Any], reps: int) -> tuple[list[int], list[int]]:
    """Per-input fastest time (ns) with the fast path and without, passes alternating."""
    new = [10**18] * len(inputs)
    old = [10**18] * len(inputs)
    for _ in range(reps):
        new = [min(a, b) for a, b in zip(new, _pass(load, inputs), strict=True)]
        with thorough_only():
            old = [min(a, b) for a, b in zip(old, _pass(load, inputs), strict=True)]
    return new, old


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
    new, old = best_times(load, inputs, reps)
    count = Decimal(len(inputs))
    ratio = Decimal(sum(old)) / Decimal(sum(new))
    print(
        f"{name:34s} {len(inputs):5d} {fast:5d}  {_micros(sum(new) / count)} µs  {_micros(sum(old) / count)} µs"
        f"  {ratio:5.2f}×"
    )
    return ratio


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

    print(f"{'set':34s} {'docs':>5s} {'fast':>5s}  {'fast path + fallback':>20s}  {'thorough only':>11s}  ratio")
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
    print(f"(best of {args.reps} passes per document; 'fast' counts the documents the fast path took)")
    print(f"lowest ratio on parsed data: {min(ratios[0], ratios[2], ratios[3]):.2f}× (target ≥ 3×)")


if __name__ == "__main__":
    main()
