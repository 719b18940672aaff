package plan

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Cluster is what planning and applying need from a cluster: a dynamic client and a
// REST mapper that can be reset once CRDs created by a plan are established.
type Cluster struct {
	Client dynamic.Interface
	Mapper meta.ResettableRESTMapper
	// REST, optional, is a client configured as the dynamic client's (see NewREST):
	// with it, writes whose result is not needed skip decoding it.
	REST rest.Interface
}

// NewREST returns a REST client configured as dynamic.NewForConfigAndClient configures
// the dynamic client's, for Cluster.REST.
func NewREST(cfg *rest.Config, hc *http.Client) (rest.Interface, error) {
	c := dynamic.ConfigFor(cfg)
	c.GroupVersion = nil
	c.APIPath = "/if-you-see-this-search-for-the-break" // every request sets an absolute path
	return rest.UnversionedRESTClientForConfigAndClient(c, hc)
}
