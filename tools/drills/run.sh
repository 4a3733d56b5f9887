#!/usr/bin/env bash
# The chaos drills of issue 18 on the real stack (see README.md here).
#
#   bash tools/drills/run.sh [jest args…]            as a test: each drill once, correctness asserted
#   bash tools/drills/run.sh --bench [jest args…]    as the benchmark: DRILLS_REPEAT (5) repetitions
#                                                    each, figures to bench-results/drills.{md,json}
#                                                    (the soak once, SOAK_MINUTES 10)
#   bash tools/drills/run.sh --soak [jest args…]     the soak alone as the benchmark: SOAK_MINUTES (10)
#                                                    of churn, its section of the report written
#
# Needs the services built (npm run build) and redis-server, nats-server, initdb and postgres on
# the PATH: each drill starts its own Redis, NATS and PostgreSQL (DRILLS_DATA_PORT_BASE, 3610..3612,
# proxies on 3620..3622, JWKS on 3630). Uses HTTP ports CASCADE_HTTP_PORT_BASE..+6 (3600) and media
# ports CASCADE_MEDIA_PORT_BASE..+999 (26000).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# Node 24.9 or newer for Jest (Node 24 fetched into the cache on an older machine, as npm test
# does).
export CASCADE_NODE_MIN=24.9.0
source "$root/scripts/lib.sh"
ensure_node
if [[ "${1:-}" == "--bench" ]]; then
  shift
  export DRILLS_REPEAT="${DRILLS_REPEAT:-5}" SOAK_MINUTES="${SOAK_MINUTES:-10}" DRILLS_REPORT=1
elif [[ "${1:-}" == "--soak" ]]; then
  shift
  export SOAK_MINUTES="${SOAK_MINUTES:-10}" DRILLS_REPORT=1
  set -- drills/soak.drill.test.ts "$@"
fi
if [[ -z "${MEDIASOUP_WORKER_BIN:-}" ]]; then
  # The worker of the installed mediasoup version (the cache may hold several versions').
  MEDIASOUP_WORKER_BIN="$(bash "$root/tools/mediasoup-worker/ensure-worker.sh")"
  export MEDIASOUP_WORKER_BIN
fi
cd "$here"
status=0
node "$root/node_modules/jest/bin/jest.js" --config "$here/jest.config.js" --runInBand --forceExit "$@" ||
  status=$?
# Jest's VM cannot load Prettier (an ES module) for the report: format it here.
if [[ "${DRILLS_REPORT:-}" == "1" ]] && compgen -G "$root/bench-results/drills.*" >/dev/null; then
  (cd "$root" && npx prettier --log-level warn --write bench-results/drills.md bench-results/drills.json) || true
fi
exit $status
