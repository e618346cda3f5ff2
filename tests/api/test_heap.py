"""The service freezes what start-up built (`api.heap`), and only that, and only while it serves."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from fastapi.testclient import TestClient

from api.heap import frozen_heap


class _Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def _cyclic_garbage() -> weakref.ref[_Node]:
    return weakref.ref(_Node())


def test_the_service_freezes_its_startup_objects_while_it_serves(app: Any) -> None:
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        frozen = gc.get_freeze_count()
        assert client.get("/healthz").status_code == 200
        assert frozen > 10_000, "the modules, routes and compiled policies should be frozen"
    assert gc.get_freeze_count() == 0, "shutting down leaves nothing frozen"


def test_garbage_from_before_start_up_is_collected_not_frozen() -> None:
    gc.disable()  # no automatic collection between making the garbage and freezing
    try:
        garbage = _cyclic_garbage()
        assert garbage() is not None
        with frozen_heap():
            assert garbage() is None, "the collection before freezing should have freed it"
    finally:
        gc.enable()


def test_objects_made_while_frozen_are_still_collected() -> None:
    with frozen_heap():
        garbage = _cyclic_garbage()
        gc.collect()
        assert garbage() is None
