// Package testcluster starts a real Kubernetes control plane on loopback for tests,
// the demo and the benchmarks: etcd and kube-apiserver (and, when asked,
// kube-controller-manager) built from the Go module proxy by hack/testcluster-build.sh.
//
// A control plane never outlives the process that started it, however that process
// ends (internal/lifetime); ProcessesReferencing lets tests check that nothing is left.
//
// No kubelet runs: pods stay Pending, so health checks in tests use kinds without pods
// or set status through the status subresource.
package testcluster
