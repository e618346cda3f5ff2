"""HTTP routes: thin shells that authenticate, validate the wire shape and call one function.

Evaluation and storage are CPU- and I/O-bound and synchronous, so every route is a plain `def`
that FastAPI runs in its thread pool, never blocking the event loop.
"""

from fastapi import APIRouter

from api.routes import audit, charter, decisions, health, policy_sets

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    policy_sets.router,
    charter.router,
    decisions.router,
    audit.router,
)
