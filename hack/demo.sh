#!/usr/bin/env bash
# The demo behind `make demo`: starts a local etcd + kube-apiserver (+ controller manager),
# copies examples/demo into a fresh git repository, and walks through plan, apply, a change,
# a removal (prune) and status, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/kubectl-gitops}
STATE=${DEMO_DIR:-.demo}
rm -rf "$STATE" && mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || printf '(exit %d)\n' "$?"; }

# Every process this script starts is stopped when it ends: normally, on an error (set -e),
# on Ctrl-C or SIGTERM. The control plane runs under hack/testcluster, built here and run
# directly (a `go run` wrapper would die on SIGTERM and orphan it); it stops its components
# on SIGINT/SIGTERM and when this script dies, even by SIGKILL.
CLUSTER_PID=
stop_cluster() {
  [ -n "$CLUSTER_PID" ] || return 0
  kill -TERM "$CLUSTER_PID" 2>/dev/null || true
  wait "$CLUSTER_PID" 2>/dev/null || true
  CLUSTER_PID=
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Starting etcd + kube-apiserver + kube-controller-manager on loopback"
GITOPS_TESTCLUSTER_BIN=${GITOPS_TESTCLUSTER_BIN:-$(hack/testcluster-build.sh)}
export GITOPS_TESTCLUSTER_BIN
go build -o "$STATE/bin/testcluster" ./hack/testcluster
"$STATE/bin/testcluster" -dir "$STATE/cluster" -controller-manager >"$STATE/testcluster.log" 2>&1 &
CLUSTER_PID=$!
for _ in $(seq 1 240); do
  grep -q "control plane ready" "$STATE/testcluster.log" 2>/dev/null && break
  kill -0 "$CLUSTER_PID" 2>/dev/null || { cat "$STATE/testcluster.log"; exit 1; }
  sleep 0.5
done
grep -q "control plane ready" "$STATE/testcluster.log" || { echo "control plane did not start"; cat "$STATE/testcluster.log"; exit 1; }
export KUBECONFIG="$STATE/cluster/kubeconfig"
kubectl version 2>/dev/null | sed -n 2p || true

step "A git repository with the example manifests"
REPO="$STATE/repo"
cp -r examples/demo "$REPO"
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
git -C "$REPO" -c user.name=demo -c user.email=demo@example.com commit -qm "initial manifests"
(cd "$REPO" && find . -path ./.git -prune -o -type f -print | sort)

step "Plan: what would change (exit 1 = changes)"
run "$BIN" plan "$REPO" --applyset demo --no-diff

step "Apply: staged server-side apply, recorded in the ApplySet 'demo'"
run "$BIN" apply "$REPO" --applyset demo --no-diff --progress log

step "Plan again: nothing to do (exit 0)"
run "$BIN" plan "$REPO" --applyset demo

step "The HPA (here: someone) scales web to 3 replicas; git has no replicas field"
kubectl -n demo scale deployment web --replicas=3
run "$BIN" plan "$REPO" --applyset demo

step "Change a setting, rotate the secret and remove redis in git"
sed -i 's/hello from git/hello from a pull request/' "$REPO/app/service.yaml"
sed -i 's/not-a-real-token/rotated-token/' "$REPO/app/secret.yaml"
rm -r "$REPO/redis"
git -C "$REPO" add -A
git -C "$REPO" -c user.name=demo -c user.email=demo@example.com commit -qm "new message, drop redis"

step "Plan: one update with a diff, a masked secret change, and prunes"
run "$BIN" plan "$REPO" --applyset demo

step "Apply: updates, then garbage-collects what left git"
run "$BIN" apply "$REPO" --applyset demo --no-diff --progress log

step "Replicas kept by the cluster's owner"
kubectl -n demo get deployment web -o jsonpath='{.spec.replicas}{"\n"}'

step "Status: last applied commit and inventory"
run "$BIN" status --applyset demo

step "The same ApplySet as kubectl sees it"
kubectl get secret demo -n default -o jsonpath='{.metadata.labels}{"\n"}{.metadata.annotations}{"\n"}'

step "Done. The control plane stops now; state was in $STATE"
stop_cluster
echo "stopped"
