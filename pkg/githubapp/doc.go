// Package githubapp is kubectl-gitops' side of GitHub.
//
// It owns everything that talks to the GitHub REST API (go-github v60):
//
//   - client.go: NewClient, a token-authenticated client for github.com or
//     GitHub Enterprise, whose error responses never carry the token;
//   - target.go: which commit a status is for (StatusTarget, ParseRepo,
//     TargetFromEnv, RunURLFromEnv);
//   - status.go: StatusReporter, which posts commit statuses such as
//     "gitops/apply" and "gitops/plan" (pending, success, failure, error);
//   - describe.go: short status descriptions (DescribeCounts);
//   - errors.go, retry.go, api_call.go: GitHub errors explained without secrets,
//     and bounded retries of transient failures;
//   - pull requests and branches, one verb per file: repository.go
//     (GetRepository: the default branch), pull_find.go (by head branch),
//     pull_list.go, pull_open.go, pull_edit.go, pull_close.go (with a comment),
//     labels.go, reviewers.go, branch_delete.go;
//   - check runs, one verb per file: check_run_create.go (CreateCheckRun, idempotent
//     by name, commit and external id), check_run_update.go, check_run_list.go
//     (ListCheckRunsForRef); check_run.go holds CheckRun and Annotation and keeps
//     GitHub's limits (50 annotations per request, texts cut with a note);
//   - repoconfig.go, repoconfig_images.go: the bot's sections of .gitops.yaml.
//
// The GitHub App (installation auth, webhooks, pull requests, plan comments)
// grows beside these files and reuses them. The package drives pkg/plan and
// pkg/images; it never re-implements them, and it imports nothing under cmd/.
package githubapp
