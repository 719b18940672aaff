// Package actionsenv reads what a GitHub Actions run says about itself: the pull
// request of its event (GITHUB_EVENT_PATH), the commit a status belongs to
// (GITHUB_REPOSITORY, GITHUB_SHA) and the run's URL. Every reader takes a getenv, so
// tests and callers outside Actions pass their own.
//
// It only reads the environment and the event file; it never calls GitHub (that is
// pkg/githubapp, whose StatusTarget it fills) and never imports the bot.
package actionsenv
