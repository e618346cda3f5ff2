"""What one service process holds: its database and the compiled forms it reuses.

Policy set versions and charter uploads never change once stored, so their compiled / loaded
forms are cached by version and upload number (STYLE habit 8: prepare once, evaluate many).

*Which* set and charter are in force is cached too, between publishes, so a submission makes
no query before it is evaluated. The cache is checked where it matters, at the append: the
group committer reads the versions in force under the append lock (which activations and
charter updates also take) and sends back any decision evaluated with others, which is then
evaluated again under that lock (`api.decisions`). So every recorded decision names the set and
charter in force when it was recorded, and an activation made through any worker applies to
every decision recorded after it returned. Dry runs record nothing, so they read the versions
in force instead.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from api.auth import Principal
from api.errors import ApiError
from api.offload import ThreadWorkers
from api.settings import Settings
from api.storage import repository
from api.storage.db import Database
from api.storage.group_commit import GroupCommit
from engine import PolicySet, compile_policy_set
from policy.documents import LoadedDocument, parse_document

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A small thread-safe LRU map; values are built outside the lock (compiling can be slow).

    A missing value is built once however many threads ask for it at the same time: the
    others wait for that build. Without this, the submissions in flight when a worker first
    meets a policy set (after an activation, say) would each compile it, every one of them
    holding the GIL for a good part of a second.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[K, Future[V]] = {}

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            pending = self._building.get(key)
            builder = pending is None
            if builder:
                pending = self._building[key] = Future()
        assert pending is not None
        if not builder:
            return pending.result()  # the builder's value, or its exception
        try:
            value = build()
        except BaseException as error:
            pending.set_exception(error)  # the waiting threads fail alike; the next ask builds again
            raise
        else:
            self.put(key, value)
            pending.set_result(value)
            return value
        finally:
            with self._lock:
                del self._building[key]

    def get(self, key: K) -> V | None:
        """The value cached under `key`, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def discard_if(self, unwanted: Callable[[V], bool]) -> None:
        """Drop every value `unwanted` says so of."""
        with self._lock:
            for key in [key for key, value in self._items.items() if unwanted(value)]:
                del self._items[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """Everything a decision depends on besides the document and the date."""

    policy_set_version: int
    policy_set: PolicySet
    charter: LoadedDocument | None
    charter_seq: int | None = None

    @property
    def versions(self) -> tuple[int, int | None]:
        """What the group committer compares with the versions in force."""
        return (self.policy_set_version, self.charter_seq)


def charter_version(charter: LoadedDocument | None) -> str | None:
    """The `version` field of a loaded charter, as recorded with every decision."""
    if charter is None:
        return None
    version = charter.canonical.get("version")
    return None if version is None else str(version)


class ServiceState:
    """The database plus the caches that make evaluation cheap; one per process."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.appends = GroupCommit(database)
        self.workers = ThreadWorkers(settings.submit_threads, "revgate-submit")
        """Where submissions are evaluated (`api.offload`: cheaper than the route thread pool)."""
        self._policy_sets: BoundedCache[int, PolicySet] = BoundedCache(32)
        self._charters: BoundedCache[int, LoadedDocument] = BoundedCache(16)
        self._active: EvaluationContext | None = None
        self.known_keys: BoundedCache[str, Principal] = BoundedCache(4096)
        """API keys seen by submissions, by token sha256 (see `api.auth.authenticate_cached`)."""

    def remember_policy_set(self, version: int, policy_set: PolicySet) -> None:
        """Cache a set just compiled for publishing, so its first decision does not compile it again."""
        self._policy_sets.put(version, policy_set)

    def forget_key(self, key_id: str) -> None:
        """A cached key turned out to be revoked: read it from the database again next time."""
        self.known_keys.discard_if(lambda principal: principal.key_id == key_id)

    def close(self) -> None:
        """Finish queued submissions, flush queued appends and release the database (at shutdown)."""
        self.workers.close()
        self.appends.close()
        self.database.dispose()

    def policy_set(self, version: int) -> PolicySet:
        """The compiled form of a stored version (read and compiled once per process)."""

        def build() -> PolicySet:
            with self.database.reading() as session:
                record = repository.get_policy_set(session, version)
            if record is None:
                raise ApiError(404, "policy-set/not-found", f"there is no policy set version {version}")
            return compile_policy_set(record.files)

        return self._policy_sets.get_or_build(version, build)

    def charter(self, seq: int) -> LoadedDocument:
        """The loaded form of a stored charter upload (read and loaded once per process)."""

        def build() -> LoadedDocument:
            with self.database.reading() as session:
                record = repository.get_charter(session, seq)
            assert record is not None, f"charter upload {seq} vanished"
            return parse_document(record.document, "charter", expected_kind="charter")

        return self._charters.get_or_build(seq, build)

    @property
    def cached_context(self) -> EvaluationContext | None:
        """The context this worker holds for submissions, or None before it has read one."""
        return self._active

    def warm(self) -> bool:
        """Read and compile what is in force now, at startup, so that no request waits for it.

        Compiling a policy set takes a good part of a second; without this, the first
        submission each worker takes pays for it (and every request queued behind it). False
        when nothing is active yet: the first activation compiles then.
        """
        try:
            self.active_context()
        except ApiError:  # nothing active yet
            return False
        except Exception:  # the database is down, the stored set no longer compiles, ...
            # A worker that cannot warm must still start: /healthz then says what is wrong,
            # and an author can activate a set that works. Each submission reads and compiles
            # the set again itself, and fails as it would have without warming.
            logger.exception("could not read and compile the policy set in force at startup")
            return False
        return True

    def active_context(self) -> EvaluationContext:
        """The context this worker last saw in force, without a query (read once when empty).

        It may be outdated by an activation in another worker: decisions made with it are
        checked by the group committer, and `StaleContext` sends them to `current_context`.
        """
        context = self._active
        if context is None:
            with self.database.connection() as connection:
                context = self.current_context(connection)
        return context

    def current_context(self, connection: Connection | Session) -> EvaluationContext:
        """The active policy set and the charter in force now; 409 when nothing is active yet.

        Also what later submissions start from. Two threads refreshing at once may leave the
        older of two contexts cached; that costs a re-evaluation at the append, never a wrong record.
        """
        version, seq = repository.current_versions(connection)
        if version is None:
            raise ApiError(
                409,
                "policy-set/none-active",
                'no policy set is active yet: publish one with POST /v1/policy-sets and `"activate": true`',
            )
        cached = self._active
        if cached is not None and cached.versions == (version, seq):
            return cached
        charter = self.charter(seq) if seq is not None else None
        context = EvaluationContext(version, self.policy_set(version), charter, seq)
        self._active = context
        return context

    def forget_active(self) -> None:
        """After this worker changed what is in force: read it again before the next decision
        (only saves that decision a re-evaluation; the append check keeps records right)."""
        self._active = None

    def recorded_context(self, session: Session, version: int, charter_ref: dict[str, str] | None) -> EvaluationContext:
        """The context an earlier decision was made in, to re-derive it under the same rules."""
        charter = None
        if charter_ref is not None:
            record = repository.find_charter(session, str(charter_ref["id"]), str(charter_ref["version"]))
            assert record is not None, "a recorded charter vanished"
            charter = self.charter(record.seq)
            return EvaluationContext(version, self.policy_set(version), charter, record.seq)
        return EvaluationContext(version, self.policy_set(version), charter)
