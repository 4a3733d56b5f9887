#!/usr/bin/env bash
# Benchmarks: installs what is missing (like the test command), builds, then runs every
# workspace's bench script. Results, with the machine and conditions, go to bench-results/.
#   npm run bench                         all benchmarks
#   npm run bench -- --sizes 10,50        arguments go to the benchmark scripts
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# The placement simulation takes no arguments (it ignores any); the sfu-node bench gets them.
npm run bench --workspace @cascade/sfu-orchestrator
npm run bench --workspace @cascade/sfu-node -- "$@"
npm run bench --workspace @cascade/gateway
npm run bench:big-room --workspace @cascade/gateway
npm run bench:dynacast --workspace @cascade/gateway
npm run bench --workspace @cascade/rooms
npm run bench --workspace @cascade/web
