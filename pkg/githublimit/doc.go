// Package githublimit holds the size limits GitHub puts on what this tool writes to
// it, as constants that the engine (pkg/plan's Markdown), the plan comment
// (pkg/plancomment) and the GitHub client (pkg/githubapp) all respect, without
// importing one another.
//
// It owns numbers only: no code, no imports, no GitHub calls.
package githublimit
