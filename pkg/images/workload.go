package images

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// podSpecPaths says where each workload kind keeps its pod spec. Kinds not listed are
// workloads too when they have spec.template.spec.containers (e.g. Argo Rollouts).
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

var genericPodSpecPath = []string{"spec", "template", "spec"}

// containerLists are the pod spec fields holding containers, in listing order.
var containerLists = []string{"initContainers", "containers"}

// doc is one Kubernetes object in a YAML document.
type doc struct {
	root        *yaml.Node // the object's mapping
	id          *object.ID
	kind        string
	annotations map[string]string
}

func newDoc(root *yaml.Node) doc {
	d := doc{root: root, annotations: map[string]string{}}
	kind := scalar(gitopsfile.MappingValue(root, "kind"))
	apiVersion := scalar(gitopsfile.MappingValue(root, "apiVersion"))
	meta := gitopsfile.MappingValue(root, "metadata")
	nm := scalar(gitopsfile.MappingValue(meta, "name"))
	d.kind = kind
	if kind != "" && nm != "" {
		group := ""
		if i := strings.IndexByte(apiVersion, '/'); i >= 0 {
			group = apiVersion[:i]
		}
		d.id = &object.ID{Group: group, Kind: kind, Namespace: scalar(gitopsfile.MappingValue(meta, "namespace")), Name: nm}
	}
	if ann := gitopsfile.MappingValue(meta, "annotations"); ann != nil && ann.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ann.Content); i += 2 {
			d.annotations[ann.Content[i].Value] = ann.Content[i+1].Value
		}
	}
	return d
}

// container is one container of a workload with the node of its image field.
type container struct {
	name  string
	image *yaml.Node
	path  string
}

// containers returns the containers of d when it is a workload.
func (d doc) containers() []container {
	spec, path := d.podSpec()
	if spec == nil {
		return nil
	}
	var out []container
	for _, list := range containerLists {
		seq := gitopsfile.MappingValue(spec, list)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for i, c := range seq.Content {
			img := gitopsfile.MappingValue(c, "image")
			if img == nil || img.Kind != yaml.ScalarNode {
				continue
			}
			out = append(out, container{
				name:  scalar(gitopsfile.MappingValue(c, "name")),
				image: img,
				path:  fmt.Sprintf("%s.%s[%d].image", strings.Join(path, "."), list, i),
			})
		}
	}
	return out
}

// podSpec returns the pod spec mapping of a workload (nil when d has none) and the
// path of keys to it.
func (d doc) podSpec() (*yaml.Node, []string) {
	path, known := podSpecPaths[d.kind]
	if !known {
		path = genericPodSpecPath
	}
	spec := d.root
	for _, k := range path {
		spec = gitopsfile.MappingValue(spec, k)
	}
	return spec, path
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// pullSecrets returns where the workload's pods get registry credentials.
func (d doc) pullSecrets() *PullSecretRef {
	spec, _ := d.podSpec()
	if spec == nil {
		return nil
	}
	ns := ""
	if d.id != nil {
		ns = d.id.Namespace
	}
	if ns == "" {
		ns = DefaultNamespace
	}
	ref := &PullSecretRef{Namespace: ns, ServiceAccount: scalar(gitopsfile.MappingValue(spec, "serviceAccountName"))}
	if ref.ServiceAccount == "" {
		ref.ServiceAccount = "default"
	}
	if seq := gitopsfile.MappingValue(spec, "imagePullSecrets"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, s := range seq.Content {
			if n := scalar(gitopsfile.MappingValue(s, "name")); n != "" {
				ref.Secrets = append(ref.Secrets, n)
			}
		}
	}
	return ref
}
