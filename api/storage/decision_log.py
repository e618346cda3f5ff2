"""The decision log: append-only, hash-chained, and checkable end to end.

Each entry's `body` is the canonical JSON of the whole decision record, and
`hash = sha256(prev_hash + "\\n" + body)` with `prev_hash` the hash of the entry before it
(64 zeros for the first). Appends run under `Database.appending()`, which serializes writers
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so reading the head and writing
after it is atomic and `seq` has no gaps. `verify` replays the chain; the head it reports can be
copied elsewhere (a ticket, a signed e-mail) so that even truncating the tail is detectable.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, exists, select
from sqlalchemy.orm import Session

from api.storage.bulk import BulkInsert
from api.storage.repository import utcnow
from api.storage.rows import DecisionFindingRow, DecisionRow
from policy.canonical import canonical_json as encode_canonical

Executor = Session | Connection
"""The log's functions run on an ORM session's transaction or on a plain Core connection."""

GENESIS_HASH = "0" * 64
_FINDING_COLUMNS = ("policy", "outcome", "enforcement", "path")
_INSERT_DECISIONS = BulkInsert(DecisionRow.__table__, [column.name for column in DecisionRow.__table__.columns])
_INSERT_FINDINGS = BulkInsert(DecisionFindingRow.__table__, ["decision_seq", *_FINDING_COLUMNS])
_HEAD = select(DecisionRow.seq, DecisionRow.hash).order_by(DecisionRow.seq.desc()).limit(1)
"""The newest entry, read once per batch: built once, so SQLAlchemy does not rebuild its cache key."""
CHECKED_COLUMNS = (
    "id",
    "created_at",
    "kind",
    "document_id",
    "verdict",
    "evaluation_date",
    "policy_set_version",
    "charter_version",
    "submitted_by",
    "recorded_by",
    "derived_from",
)


def _json_default(value: object) -> object:
    """Values the engine might leave unconverted; anything else is a bug, not data to guess at."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept as is. What the chain hashes."""
    return encode_canonical(value, _json_default)


def canonical_json_with(value: dict[str, Any], key: str, encoded: str) -> str:
    """`canonical_json(value)` when `value[key]`'s canonical JSON is already at hand as `encoded`.

    A record embeds the whole submitted document, which is most of its text and was encoded
    once already for the document's hash; the rest of the record is encoded around it. The
    result is byte for byte `canonical_json(value)` (what the chain hashes; a property test
    holds the two equal): keys sort by code point, so the members before `key` and after it
    are each encoded as an object and joined around the spliced member.
    """
    before = canonical_json({name: item for name, item in value.items() if name < key})
    after = canonical_json({name: item for name, item in value.items() if name > key})
    member = f"{canonical_json(key)}:{encoded}"
    head = before[:-1] + "," if len(before) > 2 else "{"
    tail = "," + after[1:] if len(after) > 2 else "}"
    return head + member + tail


def chain_hash(prev_hash: str, body: str) -> str:
    """The hash that links an entry to the one before it."""
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 UTC with microseconds and a `Z`, the one format stored in records."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of `timestamp`."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One log entry as read back: the record text and its place in the chain."""

    seq: int
    id: str
    body: str
    prev_hash: str
    hash: str
    request_sha256: str | None = None

    def record(self) -> dict[str, Any]:
        """The decision record as a dict."""
        return json.loads(self.body)

    def response_json(self) -> bytes:
        """The record plus its chain links, as the API returns it, without re-serializing the body."""
        chain = canonical_json({"prev_hash": self.prev_hash, "hash": self.hash})
        return f'{self.body[:-1]},"chain":{chain}}}'.encode()


@dataclass(frozen=True, slots=True)
class DecisionFilters:
    """What `GET /v1/decisions` can filter on; None means no filter."""

    kind: str | None = None
    verdict: str | None = None
    policy: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    submitted_by: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A decision record on its way into the log, with the request metadata stored beside it."""

    record: dict[str, Any]
    recorded_by: str
    idempotency_key: str | None = None
    request_sha256: str | None = None
    evaluated_with: tuple[int, int | None] | None = None
    """(policy set version, charter upload) the record was evaluated with, when they came from a
    worker's cache: the group committer appends the entry only if they are still the ones in
    force under the append lock. None when the caller read them under that lock itself."""
    key_id: str | None = None
    """The API key the request was authenticated with from a worker's cache: the entry is
    appended only if that key is still not revoked under the append lock. None when the key
    was read from the database for this request."""
    document_json: str | None = None
    """`canonical_json(record["document"])` when the caller already has it (a loaded document's
    `canonical_json`): the record's text is then built around it instead of encoding it again."""


def append(
    session: Executor,
    record: dict[str, Any],
    *,
    recorded_by: str,
    idempotency_key: str | None = None,
    request_sha256: str | None = None,
) -> StoredDecision:
    """Append one decision record to the chain. The session must come from `Database.appending()`."""
    return append_many(session, [Entry(record, recorded_by, idempotency_key, request_sha256)])[0]


def append_many(session: Executor, entries: Sequence[Entry]) -> list[StoredDecision]:
    """Append records in order with a constant number of statements (group commit relies on it:
    every statement is a round trip that gives up the GIL)."""
    head = session.execute(_HEAD).first()
    seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    now = timestamp(utcnow())
    rows: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    stored: list[StoredDecision] = []
    for entry in entries:
        seq += 1
        full = {**entry.record, "id": "dec_" + secrets.token_hex(12), "sequence": seq, "created_at": now}
        full["recorded_by"] = entry.recorded_by
        if entry.document_json is None:
            body = canonical_json(full)
        else:
            body = canonical_json_with(full, "document", entry.document_json)
        entry_hash = chain_hash(prev_hash, body)
        rows.append(
            {
                "seq": seq,
                "body": body,
                "prev_hash": prev_hash,
                "hash": entry_hash,
                "idempotency_key": entry.idempotency_key,
                "request_sha256": entry.request_sha256,
                **columns_of(full),
            }
        )
        findings += [
            {key: finding[key] for key in _FINDING_COLUMNS} | {"decision_seq": seq}
            for result in full["results"]
            for finding in result["findings"]
        ]
        stored.append(StoredDecision(seq, full["id"], body, prev_hash, entry_hash, entry.request_sha256))
        prev_hash = entry_hash
    _INSERT_DECISIONS.execute(session, rows)
    _INSERT_FINDINGS.execute(session, findings)
    return stored


def columns_of(record: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns, derived from a record; `verify` recomputes them to detect edits."""
    return {
        "id": record["id"],
        "created_at": parse_timestamp(record["created_at"]),
        "kind": record["kind"],
        "document_id": record["document_id"],
        "verdict": record["verdict"],
        "evaluation_date": dt.date.fromisoformat(record["date"]),
        "policy_set_version": record["policy_set_version"],
        "charter_version": record["charter_version"],
        "submitted_by": record["submitted_by"],
        "recorded_by": record["recorded_by"],
        "derived_from": record["derived_from"],
    }


_STORED = (
    DecisionRow.seq,
    DecisionRow.id,
    DecisionRow.body,
    DecisionRow.prev_hash,
    DecisionRow.hash,
    DecisionRow.request_sha256,
)


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(row.seq, row.id, row.body, row.prev_hash, row.hash, row.request_sha256)


def get(session: Executor, decision_id: str) -> StoredDecision | None:
    """One entry by its public id."""
    row = session.execute(select(*_STORED).where(DecisionRow.id == decision_id)).first()
    return _stored(row) if row is not None else None


def find_by_idempotency_key(session: Executor, recorded_by: str, key: str) -> StoredDecision | None:
    """The entry an earlier request with this Idempotency-Key (from the same identity) created."""
    return find_by_idempotency_keys(session, [(recorded_by, key)]).get((recorded_by, key))


def find_by_idempotency_keys(
    session: Executor, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], StoredDecision]:
    """Earlier entries for several (identity, Idempotency-Key) pairs, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    query = select(*_STORED, DecisionRow.recorded_by, DecisionRow.idempotency_key).where(
        DecisionRow.idempotency_key.in_(sorted({key for _who, key in wanted}))
    )
    found = {}
    for row in session.execute(query):
        pair = (row.recorded_by, row.idempotency_key)
        if pair in wanted:
            found[pair] = _stored(row)
    return found


def latest_derived(session: Executor, original_id: str) -> StoredDecision | None:
    """The newest record re-derived from `original_id` by overrides, which carries all of them."""
    query = select(*_STORED).where(DecisionRow.derived_from == original_id).order_by(DecisionRow.seq.desc()).limit(1)
    row = session.execute(query).first()
    return _stored(row) if row is not None else None


def list_page(
    session: Executor, filters: DecisionFilters, *, limit: int, before_seq: int | None = None
) -> tuple[list[StoredDecision], int | None]:
    """Newest first, at most `limit`; also the seq to continue before, or None on the last page."""
    query = _filtered(select(*_STORED), filters)
    if before_seq is not None:
        query = query.where(DecisionRow.seq < before_seq)
    rows = session.execute(query.order_by(DecisionRow.seq.desc()).limit(limit + 1)).all()
    page = [_stored(row) for row in rows[:limit]]
    return page, (page[-1].seq if len(rows) > limit else None)


def _filtered(query: Select[Any], filters: DecisionFilters) -> Select[Any]:
    conditions = []
    if filters.kind is not None:
        conditions.append(DecisionRow.kind == filters.kind)
    if filters.verdict is not None:
        conditions.append(DecisionRow.verdict == filters.verdict)
    if filters.since is not None:
        conditions.append(DecisionRow.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(DecisionRow.created_at < filters.until)
    if filters.submitted_by is not None:
        conditions.append(DecisionRow.submitted_by == filters.submitted_by)
    if filters.policy is not None:
        conditions.append(
            exists().where(
                DecisionFindingRow.decision_seq == DecisionRow.seq, DecisionFindingRow.policy == filters.policy
            )
        )
    return query.where(*conditions)


def encode_cursor(seq: int) -> str:
    """An opaque cursor for the page that continues before `seq`."""
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor continues before; ValueError when the cursor was not made by us."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor returned by this API") from None
    version, _, number = text.partition(":")
    if version != "v1" or not number.isdigit() or len(number) > 18:
        raise ValueError("not a cursor returned by this API")
    return int(number)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of replaying the chain: how far it held, and the first place it broke."""

    ok: bool
    checked: int
    head: dict[str, Any] | None
    broken_at: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "head": self.head, "broken_at": self.broken_at}


def verify(session: Executor, batch: int = 1000) -> ChainReport:
    """Replay the whole chain in order; stop at the first entry that does not hold."""
    checked = [getattr(DecisionRow, name) for name in CHECKED_COLUMNS]
    columns = select(DecisionRow.seq, DecisionRow.prev_hash, DecisionRow.hash, DecisionRow.body, *checked)
    rows = session.execute(columns.order_by(DecisionRow.seq).execution_options(yield_per=batch))
    return _replay(rows)


def _replay(rows: Iterable[Any]) -> ChainReport:
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for row in rows:
        problem = _problem(row, expected_seq, prev_hash)
        if problem is not None:
            head = {"sequence": expected_seq - 1, "hash": prev_hash} if checked else None
            broken = {"sequence": row.seq, "id": row.id, "reason": problem}
            return ChainReport(False, checked, head, broken)
        expected_seq, prev_hash, checked = row.seq + 1, row.hash, checked + 1
    head = {"sequence": expected_seq - 1, "hash": prev_hash} if checked else None
    return ChainReport(True, checked, head)


def _problem(row: Any, expected_seq: int, prev_hash: str) -> str | None:
    """Why one entry breaks the chain, or None when it holds."""
    if row.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row.seq}: entries are missing"
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the hash of the entry before it"
    if chain_hash(row.prev_hash, row.body) != row.hash:
        return "hash does not match the stored record: the record was altered"
    try:
        record = json.loads(row.body)
        derived = columns_of(record)
    except (ValueError, KeyError, TypeError) as error:
        return f"the stored record cannot be read: {error}"
    if record.get("sequence") != row.seq:
        return "the record's sequence disagrees with its position"
    for name in CHECKED_COLUMNS:
        if derived[name] != getattr(row, name):
            return f"column `{name}` disagrees with the hashed record"
    return None
