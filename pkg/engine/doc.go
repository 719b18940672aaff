// Package engine plans a target, the one way the plugin, the bot and the Action do it.
// A Target says which ApplySet, which namespaces and how to plan, with its defaults
// here and nowhere else (DefaultTarget); Connect reaches its cluster; PlanLive plans a
// source against the cluster and PlanOffline against the render of a base ref;
// ManifestProblems turns render errors into problems of the plan.
//
// It never parses flags, never talks to GitHub, never writes to a cluster and never
// prints: options are pkg/cmd's and the bot's, applying is pkg/apply's, reporting is
// its callers'.
package engine
