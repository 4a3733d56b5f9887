#!/usr/bin/env bash
# Makes a clone ready to run and test, installing only what is missing (safe to run again):
#   1. Node.js version check
#   2. Debian packages the project needs at run and test time (when root)
#   3. local PostgreSQL, Redis and NATS (scripts/infra.sh)
#   4. npm dependencies (npm ci, when package-lock.json changed since the last install)
#   5. the mediasoup worker binary (tools/mediasoup-worker/ensure-worker.sh), exported as
#      MEDIASOUP_WORKER_BIN
#   6. a build of every workspace (turbo, cached)
#
# Sourced by scripts/run.sh and scripts/test.sh so that MEDIASOUP_WORKER_BIN reaches them;
# running it directly is fine too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CASCADE_ROOT"

node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
[ "$node_ok" = 1 ] || die "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))"

# ffmpeg sends real VP8/Opus RTP in the media tests.
ensure_debs $(grep -v '^#' scripts/debian-packages.txt)

bash scripts/infra.sh up

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund >&2
fi

MEDIASOUP_WORKER_BIN="$(bash tools/mediasoup-worker/ensure-worker.sh)"
export MEDIASOUP_WORKER_BIN
log "mediasoup worker: $MEDIASOUP_WORKER_BIN"

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
log "building"
npx turbo run build --output-logs=errors-only >&2
