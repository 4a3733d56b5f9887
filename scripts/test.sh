#!/usr/bin/env bash
# The README test command: installs what is missing, then runs every check and every test.
#   lint, typecheck, unit tests (in parallel across workspaces), then integration tests (one
#   workspace at a time: they start real processes against real PostgreSQL, Redis, NATS and
#   mediasoup workers), then the chaos drills (tools/drills). Ends with one line:
#   "N passed, N failed, N skipped".
set -euo pipefail
# Jest needs Node 24.9+ (.npmrc); a machine with an older Node gets Node 24 fetched.
export CASCADE_NODE_MIN=24.9.0
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

rm -rf packages/*/.test-results services/*/.test-results apps/*/.test-results tools/*/.test-results

status=0
log "lint, typecheck and unit tests"
npx turbo run lint typecheck test:unit --continue || status=1
# What is not a workspace: the scripts and the chaos drills.
npx eslint scripts tools/drills && npx prettier --check scripts tools/drills >/dev/null &&
  npx tsc -p tools/drills/tsconfig.json --noEmit || status=1
log "integration tests"
# Bounded, so that a hang fails the run with its output instead of eating CI's whole budget.
timeout --kill-after=30s "${CASCADE_INTEGRATION_TIMEOUT:-50m}" \
  npx turbo run test:integration --concurrency=1 --continue || status=1

# The chaos drills (tools/drills, issue 18) once each on a real stack of their own (about 5
# minutes), and the soak with one minute of churn (SOAK_MINUTES=1: about 2.5 minutes more);
# `npm run drills:bench` repeats them (the soak for 10 minutes) and writes bench-results/drills.md.
# CASCADE_DRILLS=0 leaves them out (a quick local run). All three data cuts run (Redis, NATS,
# PostgreSQL).
if [[ "${CASCADE_DRILLS:-1}" != "0" ]]; then
  log "chaos drills"
  timeout --kill-after=30s "${CASCADE_DRILLS_TIMEOUT:-20m}" \
    env DRILLS_CUTS=redis,nats,postgres bash tools/drills/run.sh || status=1
fi

node scripts/test-summary.mjs "$CASCADE_ROOT" || status=1
exit $status
