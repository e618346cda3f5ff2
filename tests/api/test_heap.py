"""The service freezes what start-up built (`api.heap`), and only that, and only while it serves."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.heap import frozen_heap
from api.settings import Settings
from api.storage.db import Database


class _Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def _tracked_ids() -> set[int]:
    """Objects the collector still walks (on 3.11, `gc.get_objects()` leaves frozen ones out)."""
    return {id(item) for item in gc.get_objects()}


def test_the_service_freezes_what_warming_up_compiled_while_it_serves(
    settings: Settings, database: Database, published: dict[str, Any]
) -> None:
    assert gc.get_freeze_count() == 0
    app = create_app(dataclasses.replace(settings, freeze_heap=True), database)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        context = app.state.service.cached_context
        assert context is not None and context.policy_set_version == published["version"]
        assert gc.get_freeze_count() > 10_000, "the modules and routes should be frozen"
        # The charter is loaded by this app's warm-up (the compiled set may come from the
        # engine's cache, filled when the set was published, so it proves nothing here).
        assert id(context.charter) not in _tracked_ids(), "what warming up loaded should be frozen"
    assert gc.get_freeze_count() == 0, "shutting down leaves nothing frozen"
    assert id(context.charter) in _tracked_ids()


def test_the_setting_turns_it_off(app: Any) -> None:
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0


def test_garbage_from_before_start_up_is_collected_not_frozen() -> None:
    gc.disable()  # no automatic collection between making the garbage and freezing
    try:
        garbage = weakref.ref(_Node())
        assert garbage() is not None
        with frozen_heap():
            assert garbage() is None, "the collection before freezing should have freed it"
    finally:
        gc.enable()


def test_nested_blocks_unfreeze_when_the_outermost_ends() -> None:
    with frozen_heap():
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0, "the outer block still serves"
    assert gc.get_freeze_count() == 0
