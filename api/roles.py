"""The roles an API key can hold, and what an e-mail address looks like.

Kept apart from `api.auth` (which needs FastAPI and the storage) so that `rev keys` can name
its choices without loading the service.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    """The five roles a key can hold."""

    ADMIN = "admin"
    AUTHOR = "author"
    SUBMITTER = "submitter"
    APPROVER = "approver"
    AUDITOR = "auditor"


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
