// Command planapply benchmarks `kubectl gitops plan|apply` against kubectl and against a
// raw parallel server-side-apply loop, on a local etcd + kube-apiserver it starts itself.
//
//	go run ./bench/planapply -n 1000
//
// In one run it builds the plugin, generates N objects of mixed kinds over 10
// namespaces (each tool gets its own copy in its own namespaces), and times the first
// apply, a plan with 10% of the objects changed, applying that change, and a no-op
// re-apply. Each tool runs as a subprocess; its wall time and peak RSS are measured.
// The figures are printed with the targets of the issue; nothing is asserted.
// See bench/README.md.
package main
