// Package apply owns executing a Plan against a cluster: the inventory is widened
// before anything is created, objects are applied with server-side apply in stages
// (CRDs and Namespaces, then cluster-scoped objects, then namespaced objects, then
// admission webhooks), optionally waited for (kstatus), members no longer in git are
// pruned, and the inventory is narrowed and stamped with the applied revision last.
//
// One failing object does not stop the others; its error is recorded on its Change.
// It never renders manifests or talks to GitHub: it takes a Plan and a cluster.
package apply
