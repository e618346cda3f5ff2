#!/usr/bin/env bash
# Set everything up and run the service with the example policy pack on an embedded SQLite.
#   scripts/serve.sh [--host H] [--port P]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/setup.sh
exec rev serve "$@"
