#!/usr/bin/env bash
# The README test command: installs what is missing, then runs every check and every test.
#   lint, typecheck, unit tests (in parallel across workspaces), then integration tests (one
#   workspace at a time: they start real processes against real PostgreSQL, Redis, NATS and
#   mediasoup workers). Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

rm -rf packages/*/.test-results services/*/.test-results apps/*/.test-results

status=0
log "lint, typecheck and unit tests"
npx turbo run lint typecheck test:unit --continue || status=1
log "integration tests"
# Bounded, so that a hang fails the run with its output instead of eating CI's whole budget.
timeout --kill-after=30s "${CASCADE_INTEGRATION_TIMEOUT:-50m}" \
  npx turbo run test:integration --concurrency=1 --continue || status=1

node scripts/test-summary.mjs "$CASCADE_ROOT" || status=1
exit $status
