// Package bot is the GitHub App server's inside: the bounded work queue that
// webhook deliveries feed, and (as it grows) the handlers per event kind that drive
// pkg/plan and pkg/images through pkg/githubapp: the Planner (plan comments) and the
// Bumper (image-bump pull requests, bump*.go). Handlers are small and idempotent;
// the GitHub-facing verbs stay in pkg/githubapp so the plugin and the Action reuse
// them without the server.
package bot
