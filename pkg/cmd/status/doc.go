// Package status is the `kubectl gitops status` command: the ApplySet's record (last
// applied commit and time, summary, source) and its members.
package status
