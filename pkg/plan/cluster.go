package plan

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"
)

// Cluster is what planning and applying need from a cluster: a dynamic client and a
// REST mapper that can be reset once CRDs created by a plan are established.
type Cluster struct {
	Client dynamic.Interface
	Mapper meta.ResettableRESTMapper
}
