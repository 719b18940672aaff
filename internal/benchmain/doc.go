// Package benchmain is what the benchmark commands under bench/ share around their
// measurements: the progress lines on stderr (Status), main's context, cancelled by
// SIGINT and SIGTERM, and exit status (Main), a run's work directory (WorkDir) and its
// control plane (StartCluster).
//
// It measures nothing and prints no figures; those are each benchmark's.
package benchmain
