// Package parallel runs work over indexes with bounded concurrency.
package parallel
