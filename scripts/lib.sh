# Shared helpers for the scripts in this folder. Source it; do not run it.
CASCADE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CASCADE_STATE_DIR="${CASCADE_STATE_DIR:-$CASCADE_ROOT/.cascade}"

log() { printf '\033[1;34m[cascade]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[cascade]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[cascade]\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Where Cascade caches what it fetches or builds (the Node runtime, the mediasoup worker).
cascade_cache_dir() {
  local d="${CASCADE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?neither CASCADE_CACHE_DIR, XDG_CACHE_HOME nor HOME is set}/.cache}/cascade}"
  [[ $d == /* ]] || d="$PWD/$d"
  printf '%s\n' "$d"
}

# --- Node.js ----------------------------------------------------------------------------
# The project needs Node 22.12 or newer (package.json "engines"); 24 LTS is the one tested.
# On a machine whose node is older (Debian 12 and CI have 20), ensure_node fetches the
# official Node 24 binaries as the npm registry package node-<os>-<arch> into
# <cache>/node/<version>/, checks them, and puts them first on PATH, so that everything
# started afterwards (npm, npx, turbo, jest, playwright, the services, the drills) runs on it.
# The services run on 22.12+; the tests need 24.9+ (Jest require()s NestJS 12's ES modules only
# with vm modules on Node >= 24.9, see .npmrc): test.sh and the drills raise the minimum.
CASCADE_NODE_MIN="${CASCADE_NODE_MIN:-22.12.0}"
CASCADE_NODE_VERSION="${CASCADE_NODE_VERSION:-24.22.3}"

# version_ge A B: whether version A >= version B (dotted numbers, optional leading v).
version_ge() { [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -1)" = "${2#v}" ]; }

# node_usable BIN: BIN runs and is at least CASCADE_NODE_MIN.
node_usable() {
  local v
  v="$("$1" --version 2>/dev/null)" || return 1
  version_ge "$v" "$CASCADE_NODE_MIN"
}

# sha512_integrity FILE: the file's digest in npm's "sha512-<base64>" form.
sha512_integrity() {
  if command -v openssl >/dev/null; then
    printf 'sha512-%s\n' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
  else
    node -e 'const c=require("crypto"),f=require("fs");console.log("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1"
  fi
}

# fetch_node DIR: downloads node-<os>-<arch>@CASCADE_NODE_VERSION from the npm registry with
# the machine's npm, checks the tarball against the integrity the registry publishes for it
# and the binary's own --version, then moves it into DIR (one rename: never half there).
fetch_node() {
  local dir=$1 os arch pkg want got tmp tgz
  case "$(uname -s)" in
    Linux) os=linux ;; Darwin) os=darwin ;;
    *) die "no Node $CASCADE_NODE_VERSION package for $(uname -s): install Node $CASCADE_NODE_MIN or newer yourself" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; armv7l) arch=armv7l ;;
    ppc64le) arch=ppc64le ;; s390x) arch=s390x ;;
    *) die "no Node $CASCADE_NODE_VERSION package for $(uname -m): install Node $CASCADE_NODE_MIN or newer yourself" ;;
  esac
  pkg="node-$os-$arch@$CASCADE_NODE_VERSION"
  command -v npm >/dev/null || die "Node $CASCADE_NODE_MIN or newer is needed and npm is missing to fetch it: install Node $CASCADE_NODE_MIN+ (24 recommended)"
  log "this machine's Node is $(node --version 2>/dev/null || echo missing); fetching $pkg from the npm registry into $dir"
  want="$(npm view "$pkg" dist.integrity 2>/dev/null)" || want=""
  [[ $want == sha512-* ]] || die "the npm registry gave no sha512 integrity for $pkg (offline? see README: Node.js)"
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$(dirname "$dir")/.tmp-$CASCADE_NODE_VERSION.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  tgz="$(cd "$tmp" && npm pack "$pkg" --silent 2>/dev/null | tail -1)" || tgz=""
  [[ -n $tgz && -f $tmp/$tgz ]] || die "npm pack $pkg failed"
  got="$(sha512_integrity "$tmp/$tgz")"
  [[ $got == "$want" ]] || die "$pkg: the tarball's integrity $got is not the registry's $want"
  mkdir "$tmp/x" && tar -xzf "$tmp/$tgz" -C "$tmp/x" || die "cannot unpack $tgz"
  [[ "$("$tmp/x/package/bin/node" --version 2>/dev/null)" == "v$CASCADE_NODE_VERSION" ]] ||
    die "$pkg: bin/node does not run here or does not print v$CASCADE_NODE_VERSION"
  rm -rf "$dir"
  mv -T "$tmp/x/package" "$dir" || die "cannot move Node into $dir"
  log "Node $CASCADE_NODE_VERSION installed in $dir (integrity $want checked)"
}

# ensure_node: uses the machine's node when it is recent enough, else the cached (or freshly
# fetched) Node CASCADE_NODE_VERSION; exports PATH (its bin first), CASCADE_NODE_HOME and
# npm_config_nodedir (its headers, so npm builds native addons for it without a download).
# CASCADE_NODE=fetch uses the fetched Node even when the machine's would do.
ensure_node() {
  if [[ ${CASCADE_NODE:-} != fetch ]] && node_usable node; then
    return 0
  fi
  local dir
  dir="$(cascade_cache_dir)/node/$CASCADE_NODE_VERSION"
  if [[ "$("$dir/bin/node" --version 2>/dev/null)" != "v$CASCADE_NODE_VERSION" ]]; then
    mkdir -p "$(dirname "$dir")"
    (
      flock -w 900 9 || die "timed out waiting for $dir.lock"
      [[ "$("$dir/bin/node" --version 2>/dev/null)" == "v$CASCADE_NODE_VERSION" ]] || fetch_node "$dir"
    ) 9>"$dir.lock" || exit 1
  fi
  export PATH="$dir/bin:$PATH" CASCADE_NODE_HOME="$dir" npm_config_nodedir="$dir"
  hash -r
  node_usable node || die "$dir/bin/node is not first on PATH or does not run"
  log "using Node $(node --version) from $dir"
}

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
