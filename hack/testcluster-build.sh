#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the Go module proxy
# (no downloads of prebuilt binaries) and caches them outside the work tree.
#
#   hack/testcluster-build.sh          build if missing, print the binary directory
#
# Environment:
#   GITOPS_CACHE          cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops)
#   K8S_VERSION           default v1.34.4
#   ETCD_VERSION          default v3.6.16
#
# A cold build takes ~15-20 minutes on 2 cores (kube-apiserver dominates); a cached one is instant.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
CACHE=${GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops}
BIN="$CACHE/testcluster/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

have() { [ -x "$BIN/etcd" ] && [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ]; }
if have; then echo "$BIN"; exit 0; fi

mkdir -p "$BIN"
log() { printf '[testcluster-build] %s\n' "$*" >&2; }
# One build at a time (parallel test runs and benchmarks on one machine): the others
# wait for it and find the binaries built.
exec 9>"$BIN/.lock"
flock 9
if have; then echo "$BIN"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
staging=v0.${K8S_VERSION#v1.}

if [ ! -x "$BIN/etcd" ]; then
  log "building etcd $ETCD_VERSION (≈2 min cold)"
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init etcdbuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi

if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$BIN/kube-controller-manager" ]; then
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION (≈15 min cold)"
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init k8sbuild >/dev/null 2>&1
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # Every staging module k8s.io/kubernetes requires at v0.0.0 is replaced by its release.
  for m in $(awk '$2 == "v0.0.0" && $1 ~ /^k8s.io\// {print $1}' "$gomod"); do
    case "$m" in k8s.io/sample-*) continue ;; esac
    go mod edit -replace "$m=$m@$staging"
  done
  go get "k8s.io/kubernetes@$K8S_VERSION" >&2
  vpkg() { printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s ' "$1" "$K8S_VERSION" "$1" "$1" "$minor"; }
  ldflags="-s -w $(vpkg k8s.io/component-base/version) $(vpkg k8s.io/client-go/pkg/version)"
  for cmd in kube-apiserver kube-controller-manager; do
    [ -x "$BIN/$cmd" ] && continue
    go build -trimpath -ldflags "$ldflags" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
  done
fi
have
log "binaries cached in $BIN"
echo "$BIN"
