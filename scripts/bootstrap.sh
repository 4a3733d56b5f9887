#!/usr/bin/env bash
# Makes a clone ready to run and test, installing only what is missing (safe to run again):
#   1. Node.js 22.12 or newer: the machine's, else Node 24 fetched from the npm registry into
#      ~/.cache/cascade/node/<version>/ and put first on PATH (scripts/lib.sh ensure_node)
#   2. Debian packages the project needs at run and test time (when root)
#   3. local PostgreSQL, Redis and NATS (scripts/infra.sh)
#   4. npm dependencies (npm ci, when package-lock.json changed since the last install)
#   5. the mediasoup worker binary (tools/mediasoup-worker/ensure-worker.sh), exported as
#      MEDIASOUP_WORKER_BIN
#   6. a build of every workspace (turbo, cached)
#
# Sourced by scripts/run.sh, scripts/test.sh and scripts/bench.sh so that PATH (the Node to
# use) and MEDIASOUP_WORKER_BIN reach them; running it directly is fine too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CASCADE_ROOT"

ensure_node

# ffmpeg sends real VP8/Opus RTP in the media tests.
ensure_debs $(grep -v '^#' scripts/debian-packages.txt)

bash scripts/infra.sh up

# Native addons are built for one Node ABI: a node_modules installed under another Node
# (say the machine's 20 before Node 24 was fetched) is installed again.
node_abi="$(node -p 'process.versions.modules + "-" + process.platform + "-" + process.arch')"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ "$(cat node_modules/.cascade-node-abi 2>/dev/null)" != "$node_abi" ]; then
  log "installing npm dependencies (Node $(node --version))"
  npm ci --no-audit --no-fund >&2
  printf '%s\n' "$node_abi" >node_modules/.cascade-node-abi
fi

MEDIASOUP_WORKER_BIN="$(bash tools/mediasoup-worker/ensure-worker.sh)"
export MEDIASOUP_WORKER_BIN
log "mediasoup worker: $MEDIASOUP_WORKER_BIN"

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
log "building"
npx turbo run build --output-logs=errors-only >&2
