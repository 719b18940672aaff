// Package bot is the GitHub App server's inside: the Server (POST /webhook through
// pkg/githubapp/webhook, POST /hooks/registry through pkg/registryevent, health and
// metrics), the bounded work queue those deliveries feed, and the routes per event
// kind (NewRoutes, the one table of them) that turn events into jobs. The jobs drive
// pkg/engine and pkg/images through pkg/githubapp: the Planner (plan comments and the
// gitops/plan status, with each repository's .gitops.yaml read by pkg/repoconfig; and
// the deployed notes a gitops/apply status adds to merged pull requests, deployed.go), the
// GitHubBumper (image-bump pull requests, bump*.go; the Bumper interface is what the
// triggers need of it) and the BumpScheduler (which repositories to bump when:
// registry events, pushes, the periodic scan under leader election, scheduler*.go).
//
// Routes and their jobs are small and idempotent. The GitHub-facing verbs stay in
// pkg/githubapp, and receiving webhooks in pkg/githubapp/webhook, so the plugin and
// the Action reuse them without the server; nothing below this package imports it.
package bot
