// Package githubtest is an in-memory GitHub REST API for tests: an httptest server
// that keeps issue comments and commit statuses, records every call, and answers
// like GitHub where it matters to a client: status codes, Link-header pagination,
// rate-limit headers, 403/429 with Retry-After when told to, 422 for a comment over
// 65,536 characters, 404 for what it does not serve.
package githubtest
