"""`api.offload.ThreadWorkers`: work runs in its threads, never on the loop, and every job
answers exactly its own caller, with its result or its exception."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from api.offload import ThreadWorkers


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_jobs_run_in_the_workers_threads_not_on_the_loop() -> None:
    workers = ThreadWorkers(2, "test")

    async def main() -> list[tuple[str, bool]]:
        job = lambda: (threading.current_thread().name, _loop_running_here())  # noqa: E731
        return await asyncio.wait_for(asyncio.gather(*(workers.run(job) for _ in range(20))), 30)

    try:
        seen = asyncio.run(main())
    finally:
        workers.close()
    assert {name for name, _ in seen} <= {"test-0", "test-1"}
    assert not any(loop for _, loop in seen)


def test_each_caller_gets_its_own_result_or_exception() -> None:
    workers = ThreadWorkers(3, "test")

    def job(n: int) -> int:
        if n % 7 == 3:
            raise ValueError(f"job {n}")
        return n * n

    async def main() -> list[object]:
        jobs = [workers.run(job, n) for n in range(100)]
        return await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), 30)

    try:
        answers = asyncio.run(main())
    finally:
        workers.close()
    for n, answer in enumerate(answers):
        if n % 7 == 3:
            assert isinstance(answer, ValueError) and str(answer) == f"job {n}"
        else:
            assert answer == n * n


def test_no_more_jobs_run_at_once_than_there_are_threads() -> None:
    workers = ThreadWorkers(3, "test")
    running, most = 0, 0
    lock = threading.Lock()

    def job() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(workers.run(job) for _ in range(24))), 30)

    try:
        asyncio.run(main())
    finally:
        workers.close()
    assert most == 3


def test_a_cancelled_caller_leaves_the_job_running_and_the_threads_working() -> None:
    workers = ThreadWorkers(1, "test")
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        finished.set()
        return "done"

    async def main() -> str:
        task = asyncio.ensure_future(workers.run(slow))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        return await workers.run(lambda: "next")

    try:
        assert asyncio.run(main()) == "next"
    finally:
        workers.close()
    assert finished.is_set()


def test_close_finishes_queued_jobs_and_the_next_job_starts_new_threads() -> None:
    workers = ThreadWorkers(2, "test")
    done: list[int] = []

    async def main(first: int) -> None:
        await asyncio.wait_for(asyncio.gather(*(workers.run(done.append, n) for n in range(first, first + 10))), 30)

    asyncio.run(main(0))
    workers.close()
    assert sorted(done) == list(range(10))
    assert not [t for t in threading.enumerate() if t.name.startswith("test-")]
    asyncio.run(main(10))  # after close, as a second lifespan in the same process would
    workers.close()
    assert sorted(done) == list(range(20))


def test_a_job_answering_a_closed_loop_does_not_kill_its_thread() -> None:
    workers = ThreadWorkers(1, "test")
    release = threading.Event()

    async def abandon() -> asyncio.Future[bool]:
        waiting = asyncio.ensure_future(workers.run(release.wait, 10))
        await asyncio.sleep(0)  # the job is queued; the loop then closes with it unanswered
        return waiting

    try:
        asyncio.run(abandon())
        release.set()  # the job ends and answers a loop that is gone
        assert asyncio.run(asyncio.wait_for(workers.run(lambda: 42), 10)) == 42
    finally:
        workers.close()


def test_a_pool_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ThreadWorkers(0, "test")
