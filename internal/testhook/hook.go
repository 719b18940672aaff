package testhook

import "context"

// Points where At is called.
const (
	// BeforePrune: apply is about to prune (before the lock is confirmed for it).
	BeforePrune = "apply/before-prune"
	// BeforeRenew: the lock's renewal loop is about to renew the lease.
	BeforeRenew = "inventory/before-renew"
)

// Hook is called at each point; it may block to stall the caller.
type Hook func(point string)

type key struct{}

// With returns ctx carrying h.
func With(ctx context.Context, h Hook) context.Context { return context.WithValue(ctx, key{}, h) }

// At calls the hook of ctx, if any, with point.
func At(ctx context.Context, point string) {
	if h, ok := ctx.Value(key{}).(Hook); ok && h != nil {
		h(point)
	}
}
