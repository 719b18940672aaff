package plan

import (
	"net/http"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
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

// CachedMapper returns m remembering the mappings it found until it is Reset: a
// discovery-backed mapper allocates several objects per lookup, and a plan of 10,000
// objects looks kinds up tens of thousands of times. Failed lookups are not remembered.
func CachedMapper(m meta.ResettableRESTMapper) meta.ResettableRESTMapper {
	return &cachedMapper{ResettableRESTMapper: m}
}

type cachedMapper struct {
	meta.ResettableRESTMapper
	mu       sync.RWMutex
	mappings map[string]*meta.RESTMapping
}

func (c *cachedMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	key := gk.String() + "/" + strings.Join(versions, ",")
	c.mu.RLock()
	m, ok := c.mappings[key]
	c.mu.RUnlock()
	if ok {
		return m, nil
	}
	m, err := c.ResettableRESTMapper.RESTMapping(gk, versions...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.mappings == nil {
		c.mappings = map[string]*meta.RESTMapping{}
	}
	c.mappings[key] = m
	c.mu.Unlock()
	return m, nil
}

func (c *cachedMapper) Reset() {
	c.mu.Lock()
	c.mappings = nil
	c.mu.Unlock()
	c.ResettableRESTMapper.Reset()
}
