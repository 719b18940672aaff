// Package dedupe remembers recently seen ids (webhook deliveries, registry event ids)
// so that a replayed notification is taken once.
package dedupe
