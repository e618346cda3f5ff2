"""Helpers for the service tests: test data (documents, the test pack, the charter) and API keys.

Test data lives in tests/api/data as YAML: a small, stable policy pack (data/policies) and the
documents and charter it decides, so that these tests do not move when the example pack grows;
the example pack itself is exercised by the publishing and `rev serve` tests.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import yaml

from api.storage import repository
from api.storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
POSTGRES_URL = os.environ.get("REVGATE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
ROLES = ("admin", "author", "submitter", "approver", "auditor")


class Keys:
    """One API key per role (`keys.headers("approver")`), plus extra identities on demand."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.tokens: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        for role in ROLES:
            self.add(role, f"{role}@test.example", name=role)

    def add(self, role: str, email: str, name: str | None = None) -> dict[str, str]:
        """Create a key and return its headers; `name` lets tests refer to it later."""
        with self.database.writing() as session:
            _key, token = repository.create_key(session, email, role)
        self.tokens[name or email] = token
        self.emails[name or email] = email
        return self.headers(name or email)

    def headers(self, name: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}", **extra}


@functools.cache
def _json_text_of_yaml(path: Path) -> str:
    """YAML parsing is slow; each file is parsed once per test run and copied from then on."""
    return json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)


def read_yaml(path: Path) -> Any:
    """A YAML file as JSON-safe values (dates as strings, as a client would send them)."""
    return json.loads(_json_text_of_yaml(path))


def load_yaml(name: str) -> Any:
    """A YAML data file of these tests (tests/api/data/…)."""
    return read_yaml(DATA / name)


def example_files() -> dict[str, str]:
    """The example policy pack as the API takes it (what `rev serve` loads)."""
    from api.serve import example_policy_files

    return example_policy_files(EXAMPLES / "policies")


def example_charter() -> dict[str, Any]:
    return read_yaml(EXAMPLES / "charter.yaml")


def service_files() -> dict[str, str]:
    """The small, stable policy pack the service tests decide with (data/policies)."""
    root = DATA / "policies"
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(root.glob("*.rev"))}


def frozen_charter() -> dict[str, Any]:
    """A frozen copy of the example charter (data/charter.yaml)."""
    return load_yaml("charter.yaml")


def document(source: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A test document (data/NAME) or an example one (NAME in examples/documents), with fields
    replaced by JSON Pointer (`{"/shifts/0/requested_by": "cfo@acme.example"}`)."""
    if source.startswith("data/"):
        data = load_yaml(source.removeprefix("data/"))
    else:
        data = read_yaml(EXAMPLES / "documents" / source)
    for pointer, value in (changes or {}).items():
        *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data
