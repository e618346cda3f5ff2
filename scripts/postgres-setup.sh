#!/usr/bin/env bash
# Install (from Debian packages), start and prepare a local PostgreSQL for Revgate's tests,
# benchmark and CI. Idempotent, and quick when everything is already in place.
#
#   eval "$(scripts/postgres-setup.sh)"     # exports REVGATE_TEST_POSTGRES_URL
#   python -m pytest tests/api -q           # now runs every storage/API test on PostgreSQL too
#
# Standard output carries only the `export …` line; progress goes to standard error. If
# $GITHUB_ENV is set (GitHub Actions), the variable is also appended there for later steps.
# Environment: REVGATE_PG_USER, REVGATE_PG_PASSWORD, REVGATE_PG_DB, REVGATE_PG_PORT.
# PostgreSQL refuses to run as root: the cluster runs as `postgres` (pg_ctlcluster switches user).
set -euo pipefail

PG_USER=${REVGATE_PG_USER:-revgate}
PG_PASSWORD=${REVGATE_PG_PASSWORD:-revgate}
PG_DB=${REVGATE_PG_DB:-revgate_test}
PG_PORT=${REVGATE_PG_PORT:-5432}

log() { printf 'postgres-setup: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

# 1. Install the server from Debian packages unless it is there already.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)

# 2. Make sure a cluster exists (the package creates `main`; containers sometimes skip it).
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  log "creating cluster $VERSION/main on port $PG_PORT"
  as_root pg_createcluster --port "$PG_PORT" "$VERSION" main >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')

# 3. Start it unless it is running.
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  log "starting cluster $VERSION/main"
  as_root pg_ctlcluster "$VERSION" main start >&2
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "PostgreSQL did not become ready on port $PORT"; exit 1; }

# 4. A login role and a database owned by it (tests create one schema per test inside it).
psql_admin() { as_postgres psql -p "$PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]; then
  log "creating role $PG_USER"
  psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
  log "creating database $PG_DB"
  psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" >&2
fi

URL="postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PORT/$PG_DB"
log "ready: $URL"
if [ -n "${GITHUB_ENV:-}" ]; then
  echo "REVGATE_TEST_POSTGRES_URL=$URL" >>"$GITHUB_ENV"
fi
echo "export REVGATE_TEST_POSTGRES_URL=$URL"
