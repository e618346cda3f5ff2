"""HTTP routes: thin shells that authenticate, validate the wire shape and call one function.

Evaluation and storage are CPU- and I/O-bound and synchronous, so they never run on the event
loop: every route is a plain `def` that FastAPI runs in its thread pool, except submissions, the
route that runs at volume, which hand their work to the worker's own threads (`api.offload`)
and skip FastAPI's parameter solving when the request is plain (`api.routes.fast_path`).
"""

from fastapi import APIRouter

from api.routes import audit, charter, decisions, health, policy_sets

# Submissions are nearly every request, and routes are matched in order: theirs come first
# (with FastAPI 0.165 each router tried costs about 0.05 ms). The documentation keeps the
# order of `TAGS`.
ROUTERS: tuple[APIRouter, ...] = (
    decisions.router,
    health.router,
    policy_sets.router,
    charter.router,
    audit.router,
)

TAGS = [
    {"name": "health", "description": "Is the service up, and which database does it use."},
    {"name": "policy sets", "description": "Publish, read and activate versions of the `.rev` policies."},
    {"name": "charter", "description": "The governance charter: KPIs, owners, decision rights, cadence."},
    {"name": "decisions", "description": "Submit documents, read the decision log, grant overrides."},
    {"name": "audit", "description": "Verify the decision log's hash chain."},
]
"""The order and words of the API documentation's sections."""
