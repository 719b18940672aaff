// Package dedupe remembers recently seen ids (webhook deliveries, registry event ids)
// so that a replayed notification is taken once.
// It owns a bounded, in-memory set of ids with an age; it knows nothing of what
// the ids name, and never does I/O.
package dedupe
