# Shared helpers for the scripts in this folder. Source it; do not run it.
CASCADE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CASCADE_STATE_DIR="${CASCADE_STATE_DIR:-$CASCADE_ROOT/.cascade}"

log() { printf '\033[1;34m[cascade]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[cascade]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[cascade]\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# port_open HOST PORT: whether something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT NAME [SECONDS]
wait_port() {
  local i
  for ((i = 0; i < ${4:-30} * 5; i++)); do
    port_open "$1" "$2" && return 0
    sleep 0.2
  done
  die "$3 did not start listening on $1:$2"
}

# missing_debs PKG...: prints the packages that are not installed.
missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

APT_UPDATED=""
# ensure_debs PKG...: installs missing Debian packages when root, else says what to run.
ensure_debs() {
  command -v dpkg-query >/dev/null || die "not a Debian system: install these yourself: $*"
  local missing
  missing=$(missing_debs "$@" | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if ! is_root; then
    die "missing Debian packages: $missing— run: sudo apt-get update && sudo apt-get install -y $missing"
  fi
  log "installing Debian packages: $missing"
  if [ -z "$APT_UPDATED" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}
