"""Bounds on what one document may be, in one place.

A document arrives from people and from other systems; these limits keep a hostile or broken
one (a 2 GB export, a YAML alias bomb, a 10,000-deep nest) from taking the service down. Each
is reported as a diagnostic (`document/too-large`, `document/too-deep`), never an exception.
"""

from __future__ import annotations

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
"""The largest text (or file) accepted: 5 MiB."""

MAX_DEPTH = 32
"""The deepest nesting of records and lists; real documents use about six."""

MAX_LIST_LENGTH = 100_000
"""The longest list (budget lines, rows of a sheet)."""

MAX_NODES = 1_000_000
"""Values visited in one document, counting shared YAML aliases once per use (alias bombs)."""

MAX_COLUMNS = 256
"""Columns read from one CSV row or XLSX sheet."""

MAX_INTEGER_DIGITS = 18
"""Digits before the point of any number or amount (below 10^18)."""

MAX_FRACTION_DIGITS = 18
"""Digits after the point of any number or amount."""
