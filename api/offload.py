"""Threads that run the submission route's blocking work off the event loop, cheaply.

Evaluating a document is CPU-bound, so it must not run on the event loop, where it would hold
up every other request. FastAPI runs a sync route in AnyIO's thread pool, and on the 2-vCPU
bench machine that hop costs about 140 µs of CPU per call with 16 in flight: each call takes a
capacity-limiter token, hands its job to one particular idle thread (a futex wake-up each
time) and builds its wake-up back to the loop from several Python objects. Submissions are the
route that runs at volume, and there that hop was a fifth of the whole CPU cost of a decision.

`ThreadWorkers` is the plain alternative: a fixed set of threads taking jobs from one shared
queue, each answering through a future of the caller's loop. A thread that is already awake
takes the next job without a wake-up, and answers that land together reach the loop together;
the same measurement gives 12 µs per call (docs/operating.md, *Workers*). The route stays
async only to do this hand-off; the work itself still runs in a thread.

Context variables are not carried into the threads (the work here does not use any).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Callable[..., Any], tuple[Any, ...], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class ThreadWorkers:
    """`size` daemon threads sharing one job queue; `await workers.run(fn, *args)` runs `fn` in one.

    Threads start on the first job, so building a service (as every test does) costs none, and
    again on the first job after `close`, like the group committer's.
    """

    def __init__(self, size: int, name: str) -> None:
        if size < 1:
            raise ValueError("ThreadWorkers needs at least one thread")
        self.size = size
        self.name = name
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` run in one of the threads: its result, or its exception raised here.

        If the awaiting task is cancelled, the job still runs to its end; its answer is dropped.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            if not self._threads:
                self._start()
            self._queue.put((fn, args, loop, future))
        return await future

    def close(self) -> None:
        """Let the threads finish the jobs already queued, then stop them (at shutdown)."""
        with self._lock:
            threads, self._threads = self._threads, []
            jobs = self._queue
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()

    def _start(self) -> None:
        """Start the threads, on a queue of their own (call holding `_lock`): the stop signals
        `close` sends the threads it stops can never reach threads started after it."""
        self._queue = queue.SimpleQueue()
        for index in range(self.size):
            thread = threading.Thread(target=self._work, args=(self._queue,), name=f"{self.name}-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self, jobs: queue.SimpleQueue[_Job | None]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            fn, args, loop, future = job
            try:
                result = fn(*args)
            except BaseException as error:  # the caller gets every failure, as from a sync route
                _answer(loop, _fail, future, error)
            else:
                _answer(loop, _succeed, future, result)
            del job, fn, args, future  # do not keep the last job's objects alive while idle


def _answer(loop: asyncio.AbstractEventLoop, settle: Callable[..., None], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(settle, *args)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
