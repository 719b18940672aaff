package engine

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Reachable checks that the API server answers, so that an unreachable or unauthorized
// cluster is one clear error instead of one per object.
func (c *Connection) Reachable(ctx context.Context) error {
	disco, err := c.flags.ToDiscoveryClient()
	if err != nil {
		return err
	}
	if _, err := disco.ServerVersion(); err != nil {
		if apierrors.IsUnauthorized(err) {
			// The server answered: say so, rather than "cannot reach".
			return fmt.Errorf("the cluster at %s refused the credentials (401 Unauthorized: %w); check the kubeconfig's user", c.host, err)
		}
		return fmt.Errorf("cannot reach the cluster at %s: %w", c.host, err)
	}
	if _, err := c.Store.Get(ctx); err != nil {
		return err
	}
	return nil
}
