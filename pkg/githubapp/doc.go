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
//   - errors.go, retry.go: GitHub errors explained without secrets, and
//     bounded retries of transient failures.
//
// The GitHub App (installation auth, webhooks, pull requests, plan comments)
// grows beside these files and reuses them. The package drives pkg/plan and
// pkg/images; it never re-implements them, and it imports nothing under cmd/.
package githubapp
