#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, the import-layer contract, and pytest
# on SQLite and PostgreSQL (installed from Debian packages and started by postgres-setup.sh).
#   scripts/test.sh [pytest arguments]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/setup.sh

if [ -z "${REVGATE_TEST_POSTGRES_URL:-}" ]; then
  if pg_env=$(scripts/postgres-setup.sh); then
    eval "$pg_env"
  else
    echo "test: PostgreSQL could not be set up; storage tests run on SQLite only" >&2
  fi
fi

echo "== ruff" >&2
ruff check .
echo "== import layers" >&2
lint-imports
echo "== pytest" >&2
python -m pytest -q -p no:cacheprovider "$@"
