#!/usr/bin/env bash
# Builds the release tools from the Go module proxy (no prebuilt downloads) and caches
# them outside the work tree; prints the path of the one asked for.
#
#   hack/release-tools.sh goreleaser              goreleaser v2.15.1 (hack/tools/goreleaser)
#   hack/release-tools.sh validate-krew-manifest  krew-index's manifest validator, krew v0.4.3
#   hack/release-tools.sh krew                    krew v0.4.3 itself (the validator installs with it)
#
# Each tool is pinned by the go.mod and go.sum of its module under hack/tools/, and
# cached under $GITOPS_CACHE/tools/<tool>-<hash of that go.mod and go.sum>/ (GITOPS_CACHE defaults
# to ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops), so a change of version rebuilds.
# Cold on 2 cores: goreleaser ≈ 4.5 min (quiet machine), krew's tools ≈ 1 min; cached: instant.
set -euo pipefail

tool=${1:?usage: hack/release-tools.sh goreleaser|validate-krew-manifest|krew}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$tool" in
  goreleaser) mod=goreleaser pkg=github.com/goreleaser/goreleaser/v2 ;;
  validate-krew-manifest) mod=krew pkg=sigs.k8s.io/krew/cmd/validate-krew-manifest ;;
  krew) mod=krew pkg=sigs.k8s.io/krew/cmd/krew ;;
  *) echo "unknown tool $tool" >&2; exit 2 ;;
esac
dir="$root/hack/tools/$mod"
sum=$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-12)
CACHE=${GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops}
bin="$CACHE/tools/$tool-$sum/$tool"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

printf '[release-tools] building %s (%s)\n' "$tool" "$pkg" >&2
mkdir -p "$(dirname "$bin")"
cd "$dir"
GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" "$pkg"
mv "$bin.tmp.$$" "$bin"
echo "$bin"
