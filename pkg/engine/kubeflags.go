package engine

import (
	"net/http"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
)

// NewConfigFlags returns kubectl's connection flags, whose REST configs always get a
// transport of their own: client-go hands a config without TLS settings (a plain-HTTP
// server, such as `kubectl proxy`) Go's default transport, which pkg/netguard closes.
// The proxy setting that makes it build one is the one the default transport has.
func NewConfigFlags(usePersistentConfig bool) *genericclioptions.ConfigFlags {
	f := genericclioptions.NewConfigFlags(usePersistentConfig)
	f.WrapConfigFn = OwnTransport
	return f
}

// OwnTransport makes client-go build a transport for c rather than use Go's default.
func OwnTransport(c *rest.Config) *rest.Config {
	if c.Proxy == nil && c.Transport == nil && c.Dial == nil {
		c.Proxy = http.ProxyFromEnvironment
	}
	return c
}

// ContextFlags are the connection flags of one context of a kubeconfig file, as the
// bot connects to a cluster: nothing else of kubectl's flags is set, and discovery is
// cached under cacheDir ("": kubectl's default cache directory).
func ContextFlags(kubeconfig, context, cacheDir string) *genericclioptions.ConfigFlags {
	f := NewConfigFlags(false)
	*f.KubeConfig, *f.Context = kubeconfig, context
	if cacheDir != "" {
		*f.CacheDir = cacheDir
	}
	return f
}
