"""The per-worker cache of compiled policy sets and loaded charters (`api.state.BoundedCache`)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.state import BoundedCache


def test_a_missing_value_is_built_once_for_all_who_ask_at_once() -> None:
    cache: BoundedCache[int, object] = BoundedCache(4)
    started, release = threading.Event(), threading.Event()
    builds: list[object] = []

    def build() -> object:
        started.set()
        release.wait(5)
        builds.append(object())
        return builds[-1]

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(cache.get_or_build, 1, build)
        assert started.wait(5)
        others = [pool.submit(cache.get_or_build, 1, build) for _ in range(7)]
        release.set()
        values = [first.result(5), *(other.result(5) for other in others)]
    assert len(builds) == 1
    assert all(value is builds[0] for value in values)
    assert cache.get(1) is builds[0]


def _wait_until_waiting(cache: BoundedCache[int, str], key: int, waiters: int) -> None:
    """Until `waiters` threads block on the pending build of `key` (its Future's condition)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pending = cache._building.get(key)
        if pending is not None and len(pending._condition._waiters) >= waiters:  # type: ignore[attr-defined]
            return
        time.sleep(0.005)
    raise AssertionError("the waiter never waited for the pending build")


def test_a_failed_build_fails_its_waiters_and_the_next_ask_builds_again() -> None:
    cache: BoundedCache[int, str] = BoundedCache(4)
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        release.wait(5)
        raise LookupError("no such version")

    def waiter_build() -> str:
        raise AssertionError("a waiter must not build while a build is pending")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get_or_build, 7, failing)
        assert started.wait(5)
        second = pool.submit(cache.get_or_build, 7, waiter_build)
        _wait_until_waiting(cache, 7, 1)
        release.set()
        for future in (first, second):
            with pytest.raises(LookupError):
                future.result(5)
    assert cache.get(7) is None
    assert cache.get_or_build(7, lambda: "built again") == "built again"


def test_the_least_recently_used_value_goes_first() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
