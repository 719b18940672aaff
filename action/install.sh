#!/usr/bin/env bash
# Installs kubectl-gitops for action.yml: the release matching the action's ref
# (GITOPS_ACTION_REF), its archive checked against the release's checksums.txt, or,
# when that ref has no release (a branch, a commit), a build of the action's own
# source (GITOPS_ACTION_PATH) with the Makefile's flags. Writes the binary's path to
# the step output "path".
#
# GITOPS_RELEASE_URL overrides where releases are downloaded from (default
# $GITHUB_SERVER_URL/<action repository>/releases/download), e.g. for a mirror.
set -euo pipefail

fail() {
	echo "::error title=kubectl-gitops install::$*"
	exit 1
}

src=${GITOPS_ACTION_PATH:?GITOPS_ACTION_PATH not set}
ref=${GITOPS_ACTION_REF:-}
repo=${GITOPS_ACTION_REPOSITORY:-kubectl-gitops/kubectl-gitops}
server=${GITHUB_SERVER_URL:-https://github.com}
base_url=${GITOPS_RELEASE_URL:-$server/$repo/releases/download}
base_url=${base_url%/}

case "${RUNNER_OS:-$(uname -s)}" in
Linux) os=linux ;;
macOS | Darwin) os=darwin ;;
Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
*) fail "unsupported runner OS ${RUNNER_OS:-$(uname -s)}" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
X64 | x86_64 | amd64) arch=amd64 ;;
ARM64 | arm64 | aarch64) arch=arm64 ;;
*) fail "unsupported runner architecture ${RUNNER_ARCH:-$(uname -m)}" ;;
esac
exe=kubectl-gitops
if [ "$os" = windows ]; then exe=kubectl-gitops.exe; fi

# One directory per ref: a second use of the action in the job reuses the binary.
safe_ref=${ref//[^A-Za-z0-9._-]/_}
dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kubectl-gitops-bin/${safe_ref:-source}-$os-$arch"
bin="$dir/$exe"
output() {
	echo "path=$bin" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT not set}"
}
if [ -x "$bin" ]; then
	echo "kubectl-gitops already installed at $bin"
	output
	exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# download URL FILE prints the HTTP status, or 000 when curl failed: no answer, or a URL
# or a redirect that is not https (curl speaks nothing else, redirects included).
download() {
	local code
	if code=$(curl --proto '=https' --proto-redir '=https' \
		--silent --show-error --location --retry 3 --retry-connrefused \
		--output "$2" --write-out '%{http_code}' "$1"); then
		printf '%s' "$code"
	else
		printf '000'
	fi
}

sha256() {
	if command -v sha256sum >/dev/null; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

# from_release installs the release of $ref; it returns 1 when there is none.
from_release() {
	case "$ref" in
	v[0-9]*.[0-9]*.[0-9]*) ;;
	*) return 1 ;; # a branch or a commit: no release can match
	esac
	local version=${ref#v} archive code want got
	archive="kubectl-gitops_${version}_${os}_${arch}.tar.gz"
	if [ "$os" = windows ]; then archive="kubectl-gitops_${version}_${os}_${arch}.zip"; fi
	code=$(download "$base_url/$ref/checksums.txt" "$tmp/checksums.txt")
	case "$code" in
	200) ;;
	404) return 1 ;;
	*) fail "download $base_url/$ref/checksums.txt: HTTP $code" ;;
	esac
	want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
	[ -n "$want" ] || fail "$archive is not in the checksums.txt of release $ref"
	code=$(download "$base_url/$ref/$archive" "$tmp/$archive")
	[ "$code" = 200 ] || fail "download $base_url/$ref/$archive: HTTP $code"
	got=$(sha256 "$tmp/$archive")
	[ "$got" = "$want" ] || fail "$archive: checksum mismatch (sha256 $got, checksums.txt says $want): not installed"
	mkdir "$tmp/x"
	tar -xf "$tmp/$archive" -C "$tmp/x" # GNU tar reads .tar.gz; the runners' bsdtar also .zip
	local found
	found=$(find "$tmp/x" -type f -name "$exe" | head -n 1)
	[ -n "$found" ] || fail "$archive has no $exe"
	chmod 0755 "$found"
	mv "$found" "$bin"
	echo "kubectl-gitops $ref installed from $base_url/$ref/$archive (sha256 $got, verified)"
}

from_source() {
	command -v go >/dev/null || fail "no release for '${ref:-this ref}' and no Go to build the action's source: add actions/setup-go before this action, or use a released version (@vX.Y.Z)"
	command -v make >/dev/null || fail "no release for '${ref:-this ref}' and no make to build the action's source"
	echo "no release for '${ref:-this ref}': building kubectl-gitops from the action's source"
	make -C "$src" --no-print-directory build BIN="$tmp/$exe"
	mv "$tmp/$exe" "$bin"
}

if ! from_release; then
	from_source
fi
output
