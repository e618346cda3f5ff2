"""The group committer on its own: every request gets its own answer, and a bad entry fails
only its own request (the batch it was in is retried entry by entry)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.storage import decision_log
from api.storage.db import Database
from api.storage.decision_log import Entry
from api.storage.group_commit import GroupCommit
from tests.api.test_storage import _record, _seed_policy_set


def _verify(database: Database) -> decision_log.ChainReport:
    with database.reading() as session:
        return decision_log.verify(session)


def test_requests_from_several_event_loops_each_get_their_own_record(database: Database) -> None:
    """Answers that land in one batch go back to each waiting request's own loop."""
    version = _seed_policy_set(database)
    committer = GroupCommit(database)

    def one_loop(thread: int) -> list[Any]:
        async def main() -> list[Any]:
            entries = [Entry(_record(version), f"s{thread}.{n}@test.example") for n in range(10)]
            return await asyncio.wait_for(asyncio.gather(*(committer.append_async(e) for e in entries)), 30)

        return asyncio.run(main())

    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(one_loop, range(6)))
    finally:
        committer.close()
    flat = [answer for per_loop in answers for answer in per_loop]
    assert sorted(stored.seq for stored, _replayed in flat) == list(range(1, 61))
    assert not any(replayed for _stored, replayed in flat)
    for thread, per_loop in enumerate(answers):
        for n, (stored, _replayed) in enumerate(per_loop):
            assert stored.record()["recorded_by"] == f"s{thread}.{n}@test.example"
    assert _verify(database).checked == 60 and _verify(database).ok


def test_a_bad_entry_fails_only_its_own_request(database: Database) -> None:
    version = _seed_policy_set(database)
    broken: dict[str, Any] = {key: value for key, value in _record(version).items() if key != "results"}
    committer = GroupCommit(database)

    async def main() -> list[Any]:
        # Queued in one step of the loop, so the bad entry shares a batch with good ones.
        entries = [Entry(broken if n == 4 else _record(version), "s@test.example") for n in range(9)]
        appends = (committer.append_async(entry) for entry in entries)
        return await asyncio.wait_for(asyncio.gather(*appends, return_exceptions=True), 30)

    try:
        answers = asyncio.run(main())
    finally:
        committer.close()
    assert isinstance(answers[4], KeyError) and "results" in str(answers[4])
    good = [answer for n, answer in enumerate(answers) if n != 4]
    assert sorted(stored.seq for stored, _replayed in good) == list(range(1, 9))
    report = _verify(database)
    assert report.ok and report.checked == 8


class _Stop(BaseException):
    """Something no committer can answer for (like SystemExit): it ends the committer thread."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the committer's death
def test_a_dead_committer_is_replaced_by_the_next_request(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    version = _seed_policy_set(database)
    committer = GroupCommit(database)
    commit = committer._commit
    calls = []

    def first_dies(batch: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 1:
            raise _Stop
        commit(batch)

    monkeypatch.setattr(committer, "_commit", first_dies)

    async def append() -> Any:
        return await asyncio.wait_for(committer.append_async(Entry(_record(version), "s@test.example")), 10)

    try:
        with pytest.raises(RuntimeError, match="committer stopped") as died:  # not _Stop: it would end the loop
            asyncio.run(append())
        assert isinstance(died.value.__cause__, _Stop)
        second = asyncio.run(append())  # a TimeoutError if it waited on the dead committer
    finally:
        committer.close()
    assert second[0].seq == 1 and len(calls) == 2


def test_coroutines_waiting_on_the_loop_each_get_their_own_record(database: Database) -> None:
    version = _seed_policy_set(database)
    committer = GroupCommit(database)

    async def main() -> list[Any]:
        entries = [Entry(_record(version), f"s{n}@test.example") for n in range(40)]
        return await asyncio.wait_for(asyncio.gather(*(committer.append_async(entry) for entry in entries)), 30)

    try:
        answers = asyncio.run(main())
    finally:
        committer.close()
    assert sorted(stored.seq for stored, _replayed in answers) == list(range(1, 41))
    for n, (stored, _replayed) in enumerate(answers):
        assert stored.record()["recorded_by"] == f"s{n}@test.example"
    assert _verify(database).ok


def test_loops_in_other_threads_share_batches_and_a_bad_entry_fails_only_its_coroutine(database: Database) -> None:
    version = _seed_policy_set(database)
    broken: dict[str, Any] = {key: value for key, value in _record(version).items() if key != "results"}
    committer = GroupCommit(database)

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        thread_entries = [Entry(_record(version), "thread@test.example") for _ in range(5)]
        from_threads = [  # each in its own loop, in a thread of the default executor
            loop.run_in_executor(None, asyncio.run, asyncio.wait_for(committer.append_async(entry), 30))
            for entry in thread_entries
        ]
        entries = [Entry(broken if n == 2 else _record(version), "coro@test.example") for n in range(6)]
        from_loop = [committer.append_async(entry) for entry in entries]
        return await asyncio.wait_for(asyncio.gather(*from_threads, *from_loop, return_exceptions=True), 30)

    try:
        answers = asyncio.run(main())
    finally:
        committer.close()
    failed = [answer for answer in answers if isinstance(answer, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], KeyError) and answers[7] is failed[0]
    assert sorted(answer[0].seq for answer in answers if not isinstance(answer, BaseException)) == list(range(1, 11))
    assert _verify(database).ok and _verify(database).checked == 10


def test_a_cancelled_coroutine_does_not_stop_its_entry_or_the_others(database: Database) -> None:
    version = _seed_policy_set(database)
    committer = GroupCommit(database)

    async def main() -> list[Any]:
        entries = [Entry(_record(version), "s@test.example") for _ in range(6)]
        tasks = [asyncio.ensure_future(committer.append_async(entry)) for entry in entries]
        await asyncio.sleep(0)  # every entry is queued
        tasks[0].cancel()
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)

    try:
        answers = asyncio.run(main())
    finally:
        committer.close()
    assert isinstance(answers[0], asyncio.CancelledError)
    assert all(not isinstance(answer, BaseException) for answer in answers[1:])
    assert _verify(database).checked == 6  # the cancelled request's decision was recorded all the same
