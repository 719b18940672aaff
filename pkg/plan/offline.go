package plan

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// OfflineOptions control an offline plan.
type OfflineOptions struct {
	DefaultNamespace string   // for namespaced objects without one (default "default")
	AllowNamespaces  []string // when set, objects elsewhere are problems
	Prune            bool     // objects only in the base are deletes
	Revision         string   // the head's commit
	BaseRevision     string   // the base's commit, for the source line
	Source           string
}

// BuildOffline compares two renders of a repository without a cluster: base (the
// commit a pull request goes into) and head (the pull request). An object only in
// head is a create, one in both whose content differs an update, one only in base a
// delete (with Prune), the rest unchanged; an object whose ignore annotation in head
// (or base, for a delete) says so is a skip. Diffs are between the two renders,
// masked like every diff. Nothing is validated by a server: the plan shows what the
// change to git does, not what the cluster would say of it (a live plan does that).
// Namespaces are defaulted by kind: built-in kinds by their known scope, custom kinds
// by the CRDs in the renders, and other custom kinds are taken as namespaced.
// BuildOffline takes ownership of the objects: it defaults their namespaces in place.
func BuildOffline(base, head []manifest.Object, o OfflineOptions) *Plan {
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "default"
	}
	p := &Plan{SchemaVersion: SchemaVersion, Revision: o.Revision, Source: o.Source, Created: time.Now().UTC()}
	if o.BaseRevision != "" {
		p.Source += " (offline: against " + o.BaseRevision + ")"
	}
	crds := crdKinds(head)
	for gk, c := range crdKinds(base) {
		if _, ok := crds[gk]; !ok {
			crds[gk] = c
		}
	}
	baseSet, _ := offlineSet(base, crds, o, nil)
	headSet, order := offlineSet(head, crds, o, p)

	for _, id := range order {
		h := headSet[id]
		b, inBase := baseSet[id]
		ch := Change{ID: id, APIVersion: h.Obj.GetAPIVersion(), Source: h.Source}
		switch {
		case object.IgnoreModeOf(h.Obj) == object.Ignored:
			ch.Action, ch.Reason = Skip, "ignored in git (annotation ignore: \"true\")"
		case !inBase:
			ch.Action = Create
			ch.Diff, _ = UnifiedDiff(id, nil, h.Obj)
		case Equal(b.Obj, h.Obj):
			ch.Action = Unchanged
		default:
			ch.Action = Update
			ch.Live = b.Obj
			ch.Diff, _ = UnifiedDiff(id, b.Obj, h.Obj)
		}
		p.Changes = append(p.Changes, ch)
	}
	if o.Prune {
		for id, b := range baseSet {
			if _, ok := headSet[id]; ok {
				continue
			}
			ch := Change{ID: id, APIVersion: b.Obj.GetAPIVersion(), Action: Delete, Live: b.Obj}
			if object.IgnoreModeOf(b.Obj) != object.Managed {
				ch.Action, ch.Reason = Skip, "not garbage-collected: marked ignore or sync_only in git"
			} else {
				ch.Diff, _ = UnifiedDiff(id, b.Obj, nil)
			}
			p.Changes = append(p.Changes, ch)
		}
	}
	p.Sort()
	return p
}

// offlineSet indexes a render by object ID, with namespaces defaulted. With p, the
// objects outside the allowed namespaces and those defined twice are its problems.
func offlineSet(objs []manifest.Object, crds map[schema.GroupKind]crdInfo, o OfflineOptions, p *Plan) (map[object.ID]manifest.Object, []object.ID) {
	set := map[object.ID]manifest.Object{}
	var order []object.ID
	problem := func(id object.ID, src manifest.Source, format string, args ...any) {
		if p != nil {
			p.Problems = append(p.Problems, Problem{ID: &id, Source: src, Message: fmt.Sprintf(format, args...)})
		}
	}
	for _, mo := range objs {
		u := mo.Obj
		gk := u.GroupVersionKind().GroupKind()
		namespaced := !clusterScoped[gk]
		if c, ok := crds[gk]; ok {
			namespaced = c.namespaced
		}
		switch {
		case namespaced && u.GetNamespace() == "":
			u.SetNamespace(o.DefaultNamespace)
		case !namespaced && u.GetNamespace() != "":
			u.SetNamespace("")
		}
		id := object.IDOf(u)
		if len(o.AllowNamespaces) > 0 {
			ns := u.GetNamespace()
			if gk.Group == "" && gk.Kind == "Namespace" {
				ns = u.GetName()
			}
			if ns != "" && !NamespaceAllowed(o.AllowNamespaces, ns) {
				problem(id, mo.Source, "namespace %q is not allowed (allowed: %v)", ns, o.AllowNamespaces)
				continue
			}
		}
		if prev, dup := set[id]; dup {
			problem(id, mo.Source, "defined twice: also at %s", prev.Source)
			continue
		}
		set[id] = manifest.Object{Obj: u, Source: mo.Source}
		order = append(order, id)
	}
	return set, order
}

// clusterScoped are the built-in kinds that have no namespace.
var clusterScoped = func() map[schema.GroupKind]bool {
	m := map[schema.GroupKind]bool{}
	for group, kinds := range map[string][]string{
		"":                             {"Namespace", "Node", "PersistentVolume", "ComponentStatus"},
		"rbac.authorization.k8s.io":    {"ClusterRole", "ClusterRoleBinding"},
		"apiextensions.k8s.io":         {"CustomResourceDefinition"},
		"apiregistration.k8s.io":       {"APIService"},
		"admissionregistration.k8s.io": {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"},
		"storage.k8s.io":               {"StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"},
		"scheduling.k8s.io":            {"PriorityClass"},
		"node.k8s.io":                  {"RuntimeClass"},
		"networking.k8s.io":            {"IngressClass", "IPAddress", "ServiceCIDR"},
		"certificates.k8s.io":          {"CertificateSigningRequest", "ClusterTrustBundle"},
		"flowcontrol.apiserver.k8s.io": {"FlowSchema", "PriorityLevelConfiguration"},
		"resource.k8s.io":              {"DeviceClass", "ResourceSlice"},
	} {
		for _, k := range kinds {
			m[schema.GroupKind{Group: group, Kind: k}] = true
		}
	}
	return m
}()
