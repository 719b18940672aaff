// Package githubtest is an in-memory GitHub REST API for tests: an httptest server
// that keeps issue comments, commit statuses and check runs (checks.go), records
// every call, and answers like GitHub where it matters to a client: status codes,
// Link-header pagination, rate-limit headers, 403/429 with Retry-After when told to,
// 422 for a comment over 65,536 characters or a check run request over GitHub's
// limits (more than 50 annotations, an output over 65,535), 404 for what it does not
// serve.
//
// Repositories live in real git directories: pull requests are opened, edited,
// labelled, given reviewers and closed through the API (422 for a duplicate head, as
// GitHub), follow their head branches, and refs are deleted in the git directory;
// commits are compared, listed, read (the sha alone, 304 while If-None-Match names
// it), and give their statuses and pull requests (a merged one by its merge commit)
// from it (commits.go).
// With DeliverWebhooks, the server sends the App's pull_request webhooks as GitHub
// does ("opened", "synchronize" when a head branch moved, "closed"), and a status
// webhook for each status posted, signed; Send and SendPullRequestEvent deliver
// others.
package githubtest
