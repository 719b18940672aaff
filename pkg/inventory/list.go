package inventory

import (
	"context"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
)

// List returns the ApplySet parents this tool made in namespace: Secrets and ConfigMaps
// whose id label matches their own name and whose tooling is kubectl-gitops (sets of
// other tools are left out). Only metadata is read: never a Secret's data.
func List(ctx context.Context, client metadata.Interface, namespace string) ([]Parent, error) {
	var out []Parent
	for _, kind := range []string{"Secret", "ConfigMap"} {
		p := Parent{Kind: kind, Namespace: namespace}
		list, err := client.Resource(p.GVR()).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelID})
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", p.GVR().Resource, namespace, err)
		}
		for _, item := range list.Items {
			p.Name = item.Name
			tool, _, _ := strings.Cut(item.Annotations[AnnotationTooling], "/")
			if tool == ToolingName && item.Labels[LabelID] == p.ID() {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Flag() < out[j].Flag() })
	return out, nil
}

// Flag is the --applyset value naming p in its namespace: NAME for a Secret (the
// default), configmap/NAME for a ConfigMap.
func (p Parent) Flag() string {
	if p.Kind == "ConfigMap" {
		return "configmap/" + p.Name
	}
	return p.Name
}
