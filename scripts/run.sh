#!/usr/bin/env bash
# The README run command: installs what is missing, then starts every service on this machine
# with readable, prefixed logs. Ctrl-C stops them all cleanly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec node scripts/dev-stack.mjs "$@"
