#!/usr/bin/env bash
# Stop the local PostgreSQL cluster started by scripts/postgres-setup.sh (data is kept).
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  as_root pg_ctlcluster "$VERSION" main stop
fi
