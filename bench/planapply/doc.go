// Command planapply benchmarks `kubectl gitops plan|apply` against Flux v2's apply
// engine (github.com/fluxcd/pkg/ssa), kubectl, a raw parallel server-side-apply loop and
// the floor of an apply that validates everything before writing, on a local etcd +
// kube-apiserver it starts itself.
//
//	go run ./bench/planapply -n 1000
//
// In one run it builds the plugin, generates N objects of mixed kinds over 10
// namespaces (each tool gets its own copy in its own namespaces), and times the first
// apply, a plan with nothing changed, a plan with 10% of the objects changed, applying
// that change, a no-op re-apply, and an apply with 10% of the objects removed (prune).
// Each tool runs as a subprocess (Flux, the raw loop and the floor as `planapply -peer`
// subprocesses of this command); its wall time, CPU time and peak RSS are measured.
// The figures are printed with the targets of the issue; nothing is asserted.
// See bench/README.md.
package main
