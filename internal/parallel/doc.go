// Package parallel runs work over indexes with bounded concurrency.
// It owns the fan-out only: no retries, no logging.
package parallel
