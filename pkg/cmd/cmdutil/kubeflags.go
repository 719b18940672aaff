package cmdutil

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
