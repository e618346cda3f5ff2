"""What one service process holds: its database and the compiled forms it reuses.

Policy set versions and charter uploads never change once stored, so their compiled / loaded
forms are cached by version and upload number (STYLE habit 8: prepare once, evaluate many).
Only *which* set and charter are current is read per request, in one indexed query, so an
activation made through another worker takes effect on the very next request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.settings import Settings
from api.storage import repository
from api.storage.db import Database
from api.storage.group_commit import GroupCommit
from engine import PolicySet, compile_policy_set
from policy.documents import LoadedDocument, parse_document

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A small thread-safe LRU map; values are built outside the lock (compiling can be slow)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        self.put(key, value)
        return value

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
        self._policy_sets: BoundedCache[int, PolicySet] = BoundedCache(32)
        self._charters: BoundedCache[int, LoadedDocument] = BoundedCache(16)

    def remember_policy_set(self, version: int, policy_set: PolicySet) -> None:
        """Cache a set just compiled for publishing, so its first decision does not compile it again."""
        self._policy_sets.put(version, policy_set)

    def close(self) -> None:
        """Flush queued appends and release the database (at shutdown)."""
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

    def active_context(self, connection: Connection) -> EvaluationContext:
        """The active policy set and the charter in force; 409 when nothing is active yet."""
        version, seq = repository.current_versions(connection)
        if version is None:
            raise ApiError(
                409,
                "policy-set/none-active",
                'no policy set is active yet: publish one with POST /v1/policy-sets and `"activate": true`',
            )
        charter = self.charter(seq) if seq is not None else None
        return EvaluationContext(version, self.policy_set(version), charter)

    def recorded_context(self, session: Session, version: int, charter_ref: dict[str, str] | None) -> EvaluationContext:
        """The context an earlier decision was made in, to re-derive it under the same rules."""
        charter = None
        if charter_ref is not None:
            record = repository.find_charter(session, str(charter_ref["id"]), str(charter_ref["version"]))
            assert record is not None, "a recorded charter vanished"
            charter = self.charter(record.seq)
        return EvaluationContext(version, self.policy_set(version), charter)
