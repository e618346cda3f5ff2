"""`GET /healthz`: is the process up and can it reach its database?"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.errors import ApiError
from api.routes.deps import Service
from api.wire import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(service: Service) -> Health:
    """Unauthenticated, for load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with service.database.connection() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as error:  # any database failure means "not healthy", never a 500
        raise ApiError(503, "health/database-unavailable", f"the database is unavailable: {error}") from None
    return Health(status="ok", database=service.database.dialect, migration=revision)
