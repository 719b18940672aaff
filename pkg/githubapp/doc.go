// Package githubapp is kubectl-gitops' client of the GitHub REST API (go-github v60):
// App and installation auth (App, NewClient), and the calls the bot, the plugin's
// --github-* flags and the Action make: commit statuses (StatusReporter), sticky
// comments (StickyComment, with notes: AddNote), commits (on a branch, their history,
// statuses and pull requests), check runs with annotations (CreateCheckRun), issues the
// App keeps up to date (TrackedIssue), pull requests, branches, labels, reviewers,
// contents.
// Every call is retried when GitHub or the network fails transiently, waits out rate
// limits, and fails with an *APIError that explains the answer and never shows a token.
//
// It never renders a plan (it posts the pages pkg/plancomment made), never runs the
// bot (pkg/githubapp/bot sits on top of it), and imports nothing under cmd/ or pkg/cmd.
// Beside it: pkg/githubapp/webhook receives deliveries, pkg/githubapp/actionsenv reads
// a GitHub Actions run's environment, pkg/githubapp/githubtest fakes GitHub for tests,
// and pkg/repoconfig reads the bot's sections of .gitops.yaml.
//
// # Adding a GitHub REST call
//
// One verb per file, named for it (pull_open.go, branch_delete.go): a function taking
// a *github.Client that makes the call through callAPI, naming what it does and
// passing hints for the answers worth explaining (repoHints, installationHints,
// appHints). A listing goes through paginate (with appendTo, or a visitor that stops
// early), bounded by listing.maxPages. A type with retry settings of its own
// (StatusReporter, StickyComment) calls retryPolicy.call instead: the same path.
// Test it against pkg/githubapp/githubtest, adding the route there if the fake does
// not serve it yet; githubtest.NewChecked checks each request against GitHub's
// OpenAPI description.
//
// # Adding a webhook event
//
// Parse it in pkg/githubapp/webhook (go-github's type, or a small one of ours in
// events.go when go-github's does not fit or costs too much), and route it in
// pkg/githubapp/bot: a Route registered in NewRoutes, small and idempotent, that
// turns the event into a queued job. Subscribe the App to it in
// docs/github-app-manifest.json (webhook's docs_test.go keeps the two in step).
//
// # Adding a registry notification format
//
// That is pkg/registryevent (Detect, Parse, Authenticate), with the registry's example
// body under its testdata; the bot's POST /hooks/registry takes it from there.
package githubapp
