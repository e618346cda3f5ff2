"""Group commit: many requests' appends to the decision log, one transaction and one fsync.

The hash chain makes appends strictly sequential (each entry needs the previous hash), and a
durable commit costs an fsync (1–2 ms on ordinary disks). Committed one by one, that caps the
log at a few hundred decisions per second however many cores evaluate. So requests hand their
entry to one committer thread per process, which takes everything queued at that moment,
appends it in order inside one transaction under the append lock, commits once, and only then
answers the waiting requests, on their event loop: each 201 is still sent after its own commit.

A batch costs a constant number of statements, whatever its size. That matters beyond the
round trips: every database call gives up the GIL, and getting it back from threads busy
evaluating documents can take a whole switch interval (5 ms), so a committer that made one
call per decision would spend most of its time waiting for the GIL.

Workers evaluate with the policy set and charter they cached (api.state), so the committer is
where the cache is kept honest: under the append lock, the lock activations and charter updates
also take, it reads which versions are in force (one query per batch) and refuses entries
evaluated with others (`StaleContext`); their requests evaluate again under the lock. A
decision is therefore never recorded after an activation with the set it replaced. Likewise
for API keys authenticated from a worker's cache: one query per batch finds those revoked
since, and their entries are refused (`RevokedKey`, a 401).

If a batch fails, its entries are retried one by one so that one bad entry fails only its own
request. With several uvicorn workers, each has its own committer; the append lock (flock on
SQLite, an advisory lock on PostgreSQL) orders their batches, and the idempotency check runs
under that lock, so retries racing through different workers still record one decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading

from api.storage import decision_log, repository
from api.storage.db import Database
from api.storage.decision_log import Entry, Executor, StoredDecision

Appended = tuple[StoredDecision, bool]
"""The stored entry, and whether it was stored earlier (an Idempotency-Key replay)."""


class RevokedKey(Exception):
    """The entry's API key was revoked after the request was authenticated; nothing was stored."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"the API key `{key_id}` was revoked")
        self.key_id = key_id


class StaleContext(Exception):
    """An entry was evaluated with a policy set or charter no longer in force; nothing was stored."""

    def __init__(self, current: tuple[int | None, int | None]) -> None:
        super().__init__(f"evaluated with an outdated policy set or charter; in force now: {current}")
        self.current = current


class _Pending:
    """One request's entry and the answer it waits for, set once by the committer.

    The answer is recorded first (`set_result`, `set_exception`) and delivered once the whole
    batch is settled (`_deliver`), through the request's loop future, with one wake-up of that
    loop for all of the batch's answers.
    """

    __slots__ = ("_error", "_result", "entry", "future", "loop", "settled")

    def __init__(self, entry: Entry, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Appended]) -> None:
        self.entry = entry
        self.loop = loop
        self.future = future
        self.settled = False
        self._result: Appended | None = None
        self._error: BaseException | None = None

    def set_result(self, result: Appended) -> None:
        self._result, self.settled = result, True

    def set_exception(self, error: BaseException) -> None:
        self._error, self.settled = error, True


def _deliver(batch: list[_Pending]) -> None:
    """Hand every settled answer of a batch to the loop that waits for it, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
    for pending in batch:
        if pending.settled:
            by_loop.setdefault(pending.loop, []).append(pending)
    for loop, answered in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_futures, answered)


def _as_request_failure(error: BaseException) -> Exception:
    """What the batch's requests get when the committer dies of `error`.

    An `Exception` as it is. Not a `SystemExit` or `KeyboardInterrupt`: asyncio re-raises those
    out of the event loop that awaits them, which would take the worker down with the committer.
    """
    if isinstance(error, Exception):
        return error
    failure = RuntimeError(f"the group committer stopped ({type(error).__name__}) before it answered this batch")
    failure.__cause__ = error
    return failure


def _settle_futures(answered: list[_Pending]) -> None:
    """On the loop: settle the futures of a batch's coroutines (any cancelled meanwhile are skipped)."""
    for pending in answered:
        future = pending.future
        if future.done():
            continue
        if pending._error is not None:
            future.set_exception(pending._error)
        else:
            future.set_result(pending._result)  # type: ignore[arg-type]


class GroupCommit:
    """A committer thread that appends queued entries to the decision log in shared transactions."""

    def __init__(self, database: Database, max_batch: int = 256) -> None:
        self.database = database
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    async def append_async(self, entry: Entry) -> Appended:
        """Append `entry` in the next batch; return once that batch is committed.

        The wait is on the caller's event loop: no thread sits blocked through the commit. If
        the awaiting task is cancelled, the entry is still recorded (it may already be).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Appended] = loop.create_future()
        self._enqueue(_Pending(entry, loop, future))
        return await future

    def _enqueue(self, pending: _Pending) -> None:
        with self._start_lock:  # see `_retire`: an entry is never queued for a thread that is gone
            self._start()
            self._queue.put(pending)

    def close(self) -> None:
        """Finish what is queued, then stop the committer thread."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        """Start the committer thread if there is none (call holding `_start_lock`)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="revgate-group-commit", daemon=True)
            self._thread.start()

    def _retire(self) -> None:
        """The committer is dying of an error it could not answer (its batch got that error).

        Entries are queued under the same lock, so each one is either queued before this runs,
        and a replacement is started for it here, or after, and its request starts one: no
        request ever waits on a thread that is gone.
        """
        with self._start_lock:
            if self._thread is threading.current_thread():
                self._thread = None
                if not self._queue.empty():
                    self._start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            try:
                self._commit(batch)
            except BaseException as error:  # never leave a request waiting on a dead thread
                failure = _as_request_failure(error)
                for pending in batch:
                    if not pending.settled:
                        pending.set_exception(failure)
                self._retire()
                raise
            finally:
                _deliver(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        """One transaction for the batch; results are released only after the commit."""
        try:
            with self.database.appending_core() as connection:
                results = append_batch(connection, [pending.entry for pending in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].set_exception(error)
                return
            for pending in batch:  # find the culprit: the others still get recorded
                self._commit([pending])
            return
        for pending, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                pending.set_exception(result)
            else:
                pending.set_result(result)


def append_batch(session: Executor, entries: list[Entry]) -> list[Appended | StaleContext | RevokedKey]:
    """Append entries in order, answering repeated Idempotency-Keys with the first entry's record
    and refusing entries evaluated with a context no longer in force or sent with a key revoked
    since (see `Entry.evaluated_with` and `Entry.key_id`)."""
    keyed = [(e.recorded_by, e.idempotency_key) for e in entries if e.idempotency_key]
    earlier = decision_log.find_by_idempotency_keys(session, [(who, key) for who, key in keyed if key])
    in_force, revoked = _checks(session, entries)
    fresh: list[Entry] = []
    plan: list[tuple[str, object]] = []  # (how, StoredDecision | index | key id): stored, new, same, stale, revoked
    first_of: dict[tuple[str, str], int] = {}
    for entry in entries:
        pair = (entry.recorded_by, entry.idempotency_key or "")
        if entry.key_id in revoked:
            plan.append(("revoked", entry.key_id))
        elif entry.idempotency_key and pair in earlier:
            plan.append(("stored", earlier[pair]))
        elif entry.evaluated_with is not None and entry.evaluated_with != in_force:
            plan.append(("stale", None))
        elif entry.idempotency_key and pair in first_of:
            plan.append(("same", first_of[pair]))
        else:
            if entry.idempotency_key:
                first_of[pair] = len(fresh)
            plan.append(("new", len(fresh)))
            fresh.append(entry)
    stored = decision_log.append_many(session, fresh) if fresh else []
    results: list[Appended | StaleContext | RevokedKey] = []
    for how, what in plan:
        if how == "stored":
            assert isinstance(what, StoredDecision)
            results.append((what, True))
        elif how == "stale":
            results.append(StaleContext(in_force))
        elif how == "revoked":
            results.append(RevokedKey(str(what)))
        else:
            assert isinstance(what, int)
            results.append((stored[what], how == "same"))
    return results


def _checks(session: Executor, entries: list[Entry]) -> tuple[tuple[int | None, int | None], set[str]]:
    """The (policy set version, charter upload) in force and which of the entries' keys are
    revoked, in one query when any entry needs either (every submission does)."""
    key_ids = [entry.key_id for entry in entries if entry.key_id]
    if not key_ids and all(entry.evaluated_with is None for entry in entries):
        return (None, None), set()
    return repository.versions_and_revoked(session, key_ids)
