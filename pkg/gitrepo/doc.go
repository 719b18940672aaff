// Package gitrepo owns all git access of kubectl-gitops, through go-git v5: opening a
// local work tree in place or cloning a remote (https, http, git, ssh, file, or a path
// to a bare repository) at a branch, tag or commit; polling for new commits; committing;
// pushing; and moving the optional sync tag. For branches a caller owns and rebuilds
// (the bot's image-bump branches): FetchBranches, CommitInfo, ResetTo and ForcePush.
//
// Read-only remotes are enough for Open and Update; only Commit, Push, ForcePush and
// SetTag write.
// Credentials never appear in errors, logs or Repo.URL: user info is stripped from URLs
// and passwords/tokens are masked in every error this package returns.
//
// Credentials come from AuthOptions (or AuthFromEnv): a token for http(s) remotes, and
// for ssh remotes a private key (a deploy key; else the SSH agent) with strict
// host-key checking against a known_hosts file: an unknown host or a changed host key
// ends the connection before authentication. Key and passphrase are never printed.
//
// It knows nothing of manifests, clusters or GitHub.
package gitrepo
