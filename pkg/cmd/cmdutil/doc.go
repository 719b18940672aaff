// Package cmdutil owns what the plan, apply and status commands share: reading the
// source (a directory or a git ref), connecting to the cluster, naming the ApplySet,
// building a Plan, posting commit statuses, and exit codes.
package cmdutil
