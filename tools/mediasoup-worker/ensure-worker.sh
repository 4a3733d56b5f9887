#!/usr/bin/env bash
# Guarantee that a working mediasoup-worker binary exists and print its
# absolute path on stdout (the ONLY thing printed on stdout; logs go to stderr).
#
#   export MEDIASOUP_WORKER_BIN="$(bash tools/mediasoup-worker/ensure-worker.sh [MEDIASOUP_PACKAGE_DIR])"
#
# Order: $MEDIASOUP_WORKER_BIN -> <pkg>/worker/out/Release/mediasoup-worker ->
# Cascade cache -> mediasoup's own postinstall -> local build against Debian
# system libraries (cached). See README.md next to this file.
set -euo pipefail

# Bump this whenever the build recipe in this script changes (meson options,
# source patches, ...). It is part of the cache key, together with the content
# of shims/.
readonly RECIPE_VERSION=3

readonly LOG_PREFIX='[mediasoup-worker]'
readonly VALIDATE_EXIT_CODE=41 # mediasoup-worker exits 41 when MEDIASOUP_VERSION is unset.
readonly POSTINSTALL_TIMEOUT=300
readonly LOCK_TIMEOUT=3600

BUILD_LOG='' # Set during a local build; messages are copied into it.
_say() {
	printf '%s %s\n' "$LOG_PREFIX" "$*" >&2
	if [[ -n $BUILD_LOG && -f $BUILD_LOG ]]; then printf '%s %s\n' "$LOG_PREFIX" "$*" >>"$BUILD_LOG"; fi
}
log() { _say "$*"; }
warn() { _say "WARNING: $*"; }
die() {
	_say "ERROR: $*"
	exit 1
}

usage() {
	cat >&2 <<EOF
Usage: bash tools/mediasoup-worker/ensure-worker.sh [MEDIASOUP_PACKAGE_DIR]

Prints the absolute path of a working mediasoup-worker binary on stdout.
MEDIASOUP_PACKAGE_DIR defaults to the mediasoup package resolved from the
repository root (node_modules/mediasoup).

Environment:
  MEDIASOUP_WORKER_BIN   use this binary if it is executable (validated)
  CASCADE_CACHE_DIR      cache root (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/cascade)
  CASCADE_MEDIASOUP_SKIP_POSTINSTALL=1
                         skip mediasoup's own postinstall (download/pip build)
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
readonly REPO_ROOT

abs_path() {
	# Absolute path of an existing file (symlinks in the directory part resolved).
	local p=$1
	printf '%s/%s\n' "$(cd "$(dirname "$p")" && pwd -P)" "$(basename "$p")"
}

# validate_worker BIN: succeeds iff `env -i BIN` exits with 41 (same check as
# mediasoup's npm-scripts.mjs). Sets VALIDATE_RC.
VALIDATE_RC=''
validate_worker() {
	local bin=$1
	VALIDATE_RC=''
	if [[ ! -f $bin || ! -x $bin ]]; then
		VALIDATE_RC='not an executable file'
		return 1
	fi
	local rc=0
	timeout 20 env -i "$bin" </dev/null >/dev/null 2>&1 || rc=$?
	VALIDATE_RC=$rc
	if [[ $rc -eq $VALIDATE_EXIT_CODE ]]; then
		return 0
	fi
	if [[ $rc -eq 127 ]] && command -v ldd >/dev/null 2>&1; then
		local missing
		missing="$(ldd "$bin" 2>/dev/null | grep 'not found' | tr -s ' \t' ' ' | tr '\n' ';' || true)"
		[[ -n $missing ]] && VALIDATE_RC="$rc (missing shared libraries:$missing)"
	fi
	return 1
}

emit() {
	# The one and only stdout output.
	printf '%s\n' "$1"
	exit 0
}

# ---------------------------------------------------------------------------
# Arguments.
# ---------------------------------------------------------------------------
if [[ $# -gt 1 ]]; then
	usage
	die "expected at most one argument (MEDIASOUP_PACKAGE_DIR), got $#"
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	usage
	exit 0
fi

# ---------------------------------------------------------------------------
# a. Explicit MEDIASOUP_WORKER_BIN.
# ---------------------------------------------------------------------------
if [[ -n ${MEDIASOUP_WORKER_BIN:-} ]]; then
	if [[ -f $MEDIASOUP_WORKER_BIN && -x $MEDIASOUP_WORKER_BIN ]]; then
		if validate_worker "$MEDIASOUP_WORKER_BIN"; then
			bin="$(abs_path "$MEDIASOUP_WORKER_BIN")"
			log "using MEDIASOUP_WORKER_BIN=$bin"
			emit "$bin"
		fi
		die "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not a working mediasoup-worker (\`env -i BIN\` exited with $VALIDATE_RC, expected $VALIDATE_EXIT_CODE). Fix or unset MEDIASOUP_WORKER_BIN."
	fi
	warn "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not an executable file; ignoring it"
fi

# ---------------------------------------------------------------------------
# Locate the mediasoup package, its version and the cache key.
# ---------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not on PATH"

if [[ -n ${1:-} ]]; then
	[[ -d $1 ]] || die "MEDIASOUP_PACKAGE_DIR '$1' is not a directory"
	PKG_DIR="$(cd "$1" && pwd -P)"
else
	# mediasoup's package.json "exports" does not export ./package.json, so fall
	# back to walking node's resolution paths if require.resolve() refuses.
	PKG_DIR="$(cd "$REPO_ROOT" && node -e '
		const path = require("path"), fs = require("fs");
		let dir;
		try { dir = path.dirname(require.resolve("mediasoup/package.json")); } catch (e) {
			for (const p of require.resolve.paths("mediasoup") || []) {
				if (fs.existsSync(path.join(p, "mediasoup", "package.json"))) { dir = path.join(p, "mediasoup"); break; }
			}
		}
		if (!dir) process.exit(3);
		console.log(fs.realpathSync(dir));
	' 2>/dev/null)" || die "cannot find the mediasoup package from $REPO_ROOT (is it installed? run npm install first) — or pass MEDIASOUP_PACKAGE_DIR as the first argument"
fi
[[ -f $PKG_DIR/package.json ]] || die "$PKG_DIR has no package.json"

read -r PKG_NAME MS_VERSION NODE_OS NODE_ARCH < <(node -e '
	const p = require(process.argv[1]);
	console.log(p.name || "-", p.version || "-", process.platform, process.arch);
' "$PKG_DIR/package.json") || die "cannot read $PKG_DIR/package.json"
[[ $PKG_NAME == mediasoup ]] || die "$PKG_DIR is not the mediasoup package (name: $PKG_NAME)"
[[ $MS_VERSION =~ ^[0-9A-Za-z.+-]+$ ]] || die "unexpected mediasoup version '$MS_VERSION'"

[[ -d $SCRIPT_DIR/shims/subprojects && -d $SCRIPT_DIR/shims/include ]] ||
	die "missing $SCRIPT_DIR/shims (subprojects/ and include/)"
SHIM_HASH="$(
	cd "$SCRIPT_DIR"
	{
		printf 'recipe=%s\n' "$RECIPE_VERSION"
		find shims -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	} | sha256sum | cut -c1-16
)"
[[ ${#SHIM_HASH} -eq 16 ]] || die "failed to hash $SCRIPT_DIR/shims"

if [[ -n ${CASCADE_CACHE_DIR:-} ]]; then
	CACHE_BASE=$CASCADE_CACHE_DIR
elif [[ -n ${XDG_CACHE_HOME:-} ]]; then
	CACHE_BASE=$XDG_CACHE_HOME/cascade
else
	[[ -n ${HOME:-} ]] || die "neither CASCADE_CACHE_DIR, XDG_CACHE_HOME nor HOME is set"
	CACHE_BASE=$HOME/.cache/cascade
fi
[[ $CACHE_BASE == /* ]] || CACHE_BASE=$PWD/$CACHE_BASE
CACHE_ROOT=$CACHE_BASE/mediasoup-worker
CACHE_KEY=$MS_VERSION-$NODE_OS-$NODE_ARCH-$SHIM_HASH
CACHE_DIR=$CACHE_ROOT/$CACHE_KEY
CACHE_BIN=$CACHE_DIR/mediasoup-worker
PKG_BIN=$PKG_DIR/worker/out/Release/mediasoup-worker
# Written beside a binary this script copied into the package: the cache key it came from.
PKG_MARK=$PKG_DIR/worker/out/Release/.cascade-cache-key

log "mediasoup $MS_VERSION at $PKG_DIR (cache key $CACHE_KEY)"

# Copy the cached binary to <pkg>/worker/out/Release/ so that plain
# require('mediasoup') finds it without MEDIASOUP_WORKER_BIN. Best effort.
install_into_package() {
	if [[ -f $PKG_BIN ]] && cmp -s "$CACHE_BIN" "$PKG_BIN"; then
		return 0
	fi
	local dir tmp
	dir="$(dirname "$PKG_BIN")"
	tmp="$dir/.mediasoup-worker.tmp.$$"
	if mkdir -p "$dir" 2>/dev/null && cp "$CACHE_BIN" "$tmp" 2>/dev/null && chmod 0755 "$tmp" && mv -f "$tmp" "$PKG_BIN"; then
		printf '%s\n' "$CACHE_KEY" >"$PKG_MARK" 2>/dev/null || true
		log "installed cached binary as $PKG_BIN"
	else
		rm -f "$tmp" 2>/dev/null || true
		warn "could not copy $CACHE_BIN to $PKG_BIN; use MEDIASOUP_WORKER_BIN"
	fi
}

use_cache() {
	install_into_package
	log "using cached $CACHE_BIN"
	emit "$CACHE_BIN"
}

# ---------------------------------------------------------------------------
# b. Binary produced by a normal npm install (prebuilt download or build).
# ---------------------------------------------------------------------------
# A copy this script put there from an older cache entry (an earlier recipe or shim set) is
# stale, not an npm install's binary: drop it so the current recipe's binary replaces it.
is_stale_copy() {
	local cached
	[[ -f $PKG_MARK && "$(cat "$PKG_MARK" 2>/dev/null)" != "$CACHE_KEY" ]] && return 0
	for cached in "$CACHE_ROOT"/*/mediasoup-worker; do
		[[ -f $cached && $cached != "$CACHE_BIN" ]] && cmp -s "$PKG_BIN" "$cached" && return 0
	done
	return 1
}

if [[ -e $PKG_BIN ]]; then
	if [[ -f $CACHE_BIN ]] && cmp -s "$PKG_BIN" "$CACHE_BIN"; then
		: # It is our own copy of the cached binary: handled by step c.
	elif is_stale_copy; then
		log "replacing $PKG_BIN: a copy from an older cache entry"
		rm -f "$PKG_BIN" "$PKG_MARK"
	elif validate_worker "$PKG_BIN"; then
		log "using existing $PKG_BIN (from npm install or an earlier run)"
		emit "$PKG_BIN"
	else
		warn "$PKG_BIN exists but does not work (exit $VALIDATE_RC); ignoring it"
	fi
fi

# ---------------------------------------------------------------------------
# c. Cache hit.
# ---------------------------------------------------------------------------
if [[ -f $CACHE_BIN ]]; then
	if validate_worker "$CACHE_BIN"; then
		use_cache
	fi
	warn "cached $CACHE_BIN does not work (exit $VALIDATE_RC); it will be replaced"
fi

# ---------------------------------------------------------------------------
# Everything below may take minutes: serialize per cache key.
# ---------------------------------------------------------------------------
mkdir -p "$CACHE_ROOT" || die "cannot create cache dir $CACHE_ROOT"
LOCK_FILE=$CACHE_ROOT/.$CACHE_KEY.lock
exec 9>"$LOCK_FILE" || die "cannot open lock file $LOCK_FILE"
if ! flock -n 9; then
	log "another ensure-worker.sh holds $LOCK_FILE (building?); waiting up to ${LOCK_TIMEOUT}s..."
	flock -w "$LOCK_TIMEOUT" 9 || die "timed out waiting for $LOCK_FILE"
fi

# Re-check: a concurrent run may have filled the cache while we waited.
if [[ -f $CACHE_BIN ]]; then
	if validate_worker "$CACHE_BIN"; then
		use_cache
	fi
	warn "removing broken cache entry $CACHE_DIR (exit $VALIDATE_RC)"
	rm -rf "$CACHE_DIR" || die "cannot remove $CACHE_DIR"
fi
[[ ! -e $CACHE_DIR ]] || rm -rf "$CACHE_DIR" || die "cannot remove $CACHE_DIR"

TMP_DIR=''
cleanup() {
	local rc=$?
	if [[ $rc -ne 0 && -n $BUILD_LOG && -f $BUILD_LOG ]]; then
		cp -f "$BUILD_LOG" "$CACHE_ROOT/last-failed-build.log" 2>/dev/null &&
			printf '%s ERROR: build failed; full log: %s\n' "$LOG_PREFIX" "$CACHE_ROOT/last-failed-build.log" >&2
	fi
	if [[ -n $TMP_DIR && -d $TMP_DIR ]]; then
		rm -rf "$TMP_DIR"
	fi
	return $rc
}
trap cleanup EXIT

new_tmp_dir() {
	# Next to the cache so the final mv is an atomic rename.
	TMP_DIR="$(mktemp -d "$CACHE_ROOT/.tmp-$CACHE_KEY.XXXXXX")" || die "mktemp failed in $CACHE_ROOT"
}

# Atomically publish FILE (+ optional build log) as the cache entry.
publish_to_cache() {
	local src=$1 origin=$2
	mkdir -p "$TMP_DIR/result"
	cp "$src" "$TMP_DIR/result/mediasoup-worker"
	chmod 0755 "$TMP_DIR/result/mediasoup-worker"
	validate_worker "$TMP_DIR/result/mediasoup-worker" ||
		die "binary from $origin does not work (exit $VALIDATE_RC)"
	{
		printf 'mediasoup_version=%s\nplatform=%s\narch=%s\nshim_hash=%s\nrecipe_version=%s\norigin=%s\ncreated=%s\nhost=%s\n' \
			"$MS_VERSION" "$NODE_OS" "$NODE_ARCH" "$SHIM_HASH" "$RECIPE_VERSION" "$origin" \
			"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -srm)"
	} >"$TMP_DIR/result/build-info.txt"
	if [[ -n $BUILD_LOG && -f $BUILD_LOG ]]; then cp "$BUILD_LOG" "$TMP_DIR/result/build.log"; fi
	mv -T "$TMP_DIR/result" "$CACHE_DIR" || die "cannot move result into $CACHE_DIR"
	log "cached $CACHE_BIN"
}

# ---------------------------------------------------------------------------
# d. mediasoup's own postinstall (prebuilt download from GitHub, else
#    pip-install invoke + build). Fails fast without internet.
# ---------------------------------------------------------------------------
# Its download needs GitHub: without a route there, it would only spend minutes retrying pip.
github_reachable() {
	timeout 8 node -e "fetch('https://github.com',{method:'HEAD',signal:AbortSignal.timeout(6000)}).then(()=>process.exit(0),()=>process.exit(1))" \
		>/dev/null 2>&1
}

if [[ ${CASCADE_MEDIASOUP_SKIP_POSTINSTALL:-} == 1 ]]; then
	log "CASCADE_MEDIASOUP_SKIP_POSTINSTALL=1: skipping mediasoup's postinstall"
elif ! github_reachable; then
	log "GitHub is not reachable: skipping mediasoup's postinstall (its prebuilt download)"
elif [[ -f $PKG_DIR/npm-scripts.mjs ]]; then
	log "trying mediasoup's own postinstall (timeout ${POSTINSTALL_TIMEOUT}s)..."
	# Scratch dirs a failed postinstall leaves behind (pip downloads etc.);
	# removed again below if they did not exist before.
	debris=()
	for d in worker/pip_invoke worker/prebuild worker/out/pip_meson_ninja; do
		[[ -e $PKG_DIR/$d ]] || debris+=("$PKG_DIR/$d")
	done
	rc=0
	(cd "$PKG_DIR" && env -u MEDIASOUP_WORKER_BIN timeout "$POSTINSTALL_TIMEOUT" node npm-scripts.mjs postinstall) \
		</dev/null >&2 || rc=$?
	if validate_worker "$PKG_BIN"; then
		log "mediasoup's postinstall produced $PKG_BIN"
		new_tmp_dir
		publish_to_cache "$PKG_BIN" "mediasoup postinstall"
		use_cache
	fi
	log "mediasoup's postinstall did not produce a working binary (exit $rc); building locally"
	if [[ ${#debris[@]} -gt 0 ]]; then rm -rf "${debris[@]}" 2>/dev/null || true; fi
else
	log "no $PKG_DIR/npm-scripts.mjs; building locally"
fi

# ---------------------------------------------------------------------------
# e. Local build against Debian system libraries.
# ---------------------------------------------------------------------------
ensure_debian_packages() {
	local list=$SCRIPT_DIR/debian-packages.txt
	[[ -f $list ]] || die "missing $list"
	command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: the local build supports Debian/Ubuntu only"
	local pkgs=() missing=() p status
	mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
	for p in "${pkgs[@]}"; do
		status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
		[[ $status == ii* ]] || missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		log "Debian build packages present (${#pkgs[@]} in debian-packages.txt)"
		return 0
	fi
	if [[ $(id -u) -ne 0 ]]; then
		die "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
	fi
	log "installing missing Debian packages: ${missing[*]}"
	local waited=0
	while pgrep -x apt-get >/dev/null 2>&1 || pgrep -x dpkg >/dev/null 2>&1; do
		((waited == 0)) && log "waiting for a running apt-get/dpkg to finish..."
		((waited >= 900)) && break
		sleep 5
		waited=$((waited + 5))
	done
	local apt=(apt-get -o DPkg::Lock::Timeout=600)
	if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null >&2; then
		log "apt-get install failed; running apt-get update and retrying"
		"${apt[@]}" update </dev/null >&2 || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null >&2 ||
			die "apt-get install -y ${missing[*]} failed"
	fi
	for p in "${missing[@]}"; do
		status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
		[[ $status == ii* ]] || die "Debian package $p is still not installed"
	done
}

# replace_once FILE OLD NEW: literal replacement that must match exactly once.
replace_once() {
	local file=$1 old=$2 new=$3 n
	n="$(grep -cF -- "$old" "$file" || true)"
	[[ $n == 1 ]] || return 1
	OLD=$old NEW=$new perl -0777 -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$file" || return 1
	grep -qF -- "$new" "$file" && ! grep -qF -- "$old" "$file"
}

# Runs a build command with its output on stderr and in the build log.
run_logged() {
	printf '+ %s\n' "$*" >>"$BUILD_LOG"
	"$@" 2>&1 | tee -a "$BUILD_LOG" >&2
}

[[ -d $PKG_DIR/worker/src && -f $PKG_DIR/worker/meson.build ]] ||
	die "$PKG_DIR/worker has no sources to build from"

ensure_debian_packages
for tool in meson ninja flatc pkg-config cc c++ perl flock; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH (see debian-packages.txt)"
done

BUILD_START=$SECONDS
new_tmp_dir
BUILD_LOG=$TMP_DIR/build.log
: >"$BUILD_LOG"
SRC=$TMP_DIR/worker
BUILD=$TMP_DIR/build

log "building mediasoup-worker $MS_VERSION from $PKG_DIR/worker in $TMP_DIR (takes ~5 min on 2 cores)"
# Copy the sources (never modify node_modules in place), minus build outputs.
tar -C "$PKG_DIR" -cf - \
	--exclude=worker/out --exclude=worker/prebuild --exclude=worker/pip_invoke \
	--exclude=worker/subprojects worker | tar -C "$TMP_DIR" -xf - ||
	die "cannot copy $PKG_DIR/worker"

# Replace every subproject (wraps download from GitHub/wrapdb) with the shims
# that wrap Debian's system libraries.
mkdir -p "$SRC/subprojects"
cp -R "$SCRIPT_DIR/shims/subprojects/." "$SRC/subprojects/"
mkdir -p "$SRC/cascade-shims"
cp -R "$SCRIPT_DIR/shims/include" "$SRC/cascade-shims/include"
SHIM_INCLUDE=$SRC/cascade-shims/include
[[ $SHIM_INCLUDE != *[\'\ ]* ]] || die "cache path must not contain spaces or quotes: $SHIM_INCLUDE"

# Every subproject meson.build asks for, and every wrap the package ships (a wrap can also
# provide a dependency() such as unordered_dense), must have a shim.
for name in $(
	{
		cat "$SRC/meson.build" "$SRC"/deps/*/meson.build 2>/dev/null | tr -d '\n' |
			grep -oE "subproject\([[:space:]]*'[^']+'" | sed -E "s/.*'([^']+)'/\1/"
		for wrap in "$PKG_DIR"/worker/subprojects/*.wrap; do
			[[ -f $wrap ]] && basename "$wrap" .wrap
		done
	} | sort -u
); do
	[[ $name == wingetopt ]] && continue # Windows only.
	[[ -f $SRC/subprojects/$name/meson.build ]] ||
		die "mediasoup $MS_VERSION uses subproject '$name' which has no shim in $SCRIPT_DIR/shims/subprojects"
done

# meson_version: Debian 12 has meson 1.0.1, which builds mediasoup fine; only
# the known-good relaxation 1.1.0 -> 1.0.0 is applied.
MESON_HAVE="$(meson --version)"
MESON_REQ="$(grep -oE "meson_version[[:space:]]*:[[:space:]]*'>=[[:space:]]*[0-9][0-9.]*'" "$SRC/meson.build" |
	grep -oE '[0-9]+(\.[0-9]+)*' | head -n1 || true)"
if [[ -n $MESON_REQ ]] && dpkg --compare-versions "$MESON_HAVE" lt "$MESON_REQ"; then
	if [[ $MESON_REQ == 1.1.0 ]] && dpkg --compare-versions "$MESON_HAVE" ge 1.0.0; then
		sed -i -E "s/(meson_version[[:space:]]*:[[:space:]]*)'>=[[:space:]]*1\.1\.0'/\1'>= 1.0.0'/" "$SRC/meson.build"
		grep -qE "meson_version[[:space:]]*:[[:space:]]*'>= 1\.0\.0'" "$SRC/meson.build" ||
			die "failed to lower meson_version in meson.build"
		log "lowered meson_version '>= 1.1.0' -> '>= 1.0.0' (system meson $MESON_HAVE)"
	else
		die "mediasoup $MS_VERSION needs meson >= $MESON_REQ but the system has $MESON_HAVE"
	fi
fi

# The DTLS BIO callback fix (README.md): mediasoup up to 3.19 returned 1 instead of the
# write's result from onSslBioOut() (it tested operationType == BIO_CB_RETURN, which never
# matches), and a worker built against Debian's OpenSSL 3 crashed (SIGSEGV in SSL_read) in
# every DTLS handshake; this script patched it. mediasoup 3.32 ships the same fix, so there
# is nothing to patch: check that it is there, and fail loudly if the source regressed.
DTLS_FILE=$SRC/src/RTC/DtlsTransport.cpp
DTLS_FIXED='((operationType & BIO_CB_RETURN) != 0) ? static_cast<long>(ret) : 1;'
grep -qF -- "$DTLS_FIXED" "$DTLS_FILE" ||
	die "worker/src/RTC/DtlsTransport.cpp of mediasoup $MS_VERSION does not contain
    $DTLS_FIXED
in onSslBioOut(): re-check the DTLS BIO callback (a worker returning 1 there SIGSEGVs on
every WebRtcTransport with Debian's OpenSSL 3), see $SCRIPT_DIR/README.md."
log "DtlsTransport.cpp onSslBioOut() has the BIO_CB_RETURN fix upstream: no patch needed"

MESON_ARGS=(
	--buildtype=release
	# As mediasoup's own tasks.py: without it, debug assertions stay in and abort the worker
	# (e.g. PlainTransport.connect() on a comedia transport before its first packet).
	-Db_ndebug=true
	--wrap-mode=nodownload
	"-Dcpp_args=['-I$SHIM_INCLUDE']"
)

export CI=true
run_logged meson setup "$BUILD" "$SRC" "${MESON_ARGS[@]}" || die "meson setup failed"
# The generated FBS/*.h headers must exist before any C++ is compiled.
run_logged meson compile -C "$BUILD" flatbuffers-generator || die "flatbuffers generation (flatc) failed"
run_logged meson compile -C "$BUILD" mediasoup-worker || die "compiling mediasoup-worker failed"
[[ -f $BUILD/mediasoup-worker ]] || die "build finished but $BUILD/mediasoup-worker is missing"

BUILD_SECONDS=$((SECONDS - BUILD_START))
log "built mediasoup-worker in ${BUILD_SECONDS}s"
printf 'build_seconds=%s\n' "$BUILD_SECONDS" >>"$BUILD_LOG"
publish_to_cache "$BUILD/mediasoup-worker" "local build against Debian system libraries"
use_cache
