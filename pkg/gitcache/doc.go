// Package gitcache keeps git repositories between jobs, so that a job fetches only
// what it lacks and reads the commit it needs from a fresh work tree.
//
// It owns a cache directory: one bare repository per remote repository, named by a
// hash of its URL (never a path made from the URL), a lock file that gives the
// directory to one process at a time, and a disk budget kept by removing the least
// recently used repositories that no job is using. Jobs of one repository take its
// lock to fetch (so they never corrupt it) and check out side by side; jobs of
// different repositories run in parallel. A process killed mid-fetch leaves a marker
// beside the repository: the next start (or the next job of that repository) repairs
// it, or removes it when it cannot be trusted.
//
// Each Checkout resolves what it is asked for on the remote (a commit sha as given; a
// branch or the default branch by asking the remote every time, never by a local ref,
// so force-pushed, deleted and rewritten branches are seen as they are), fetches that
// commit alone if the cache lacks it (by its sha, shallow, the cached commits offered
// as haves; a commit that came without files the remote took for had, since the cached
// commits are shallow, is fetched again alone), and checks it out into a new
// directory of the work directory (Options.WorkDir, <dir>/work by default) that Close
// removes. The bytes one job fetches and checks out are bounded
// together (Request.MaxBytes, gitrepo.ErrTooLarge).
//
// A checkout its job only read is kept idle at Close (renamed, Options.IdleWorktrees
// per repository, counted in the budget and removed before repositories, and with
// them), and the next checkout of its repository moves it to its commit by writing
// only the files that differ (gitrepo.Worktree.Reuse), after checking that nothing in
// it changed since (any file or directory the index does not name, or changed: it is
// thrown away and the commit checked out anew). A checkout opened with Repo or
// written through Write is never kept.
//
// A job that writes (the bot's image bumper: a commit on top of the default branch, a
// fetch of its gitops/image/* branches, a force-push) opens its checkout as a
// gitrepo.Repo (Checkout.Repo, its remote the Request's URL and credentials, never
// written into the shared configuration) and makes each write inside Checkout.Write:
// under the repository's lock, as a fetch is, so no fetch, repair (which removes temp
// objects) or removal runs meanwhile, with the marker a killed process leaves for
// repair. The objects it writes stay in the shared object store (nothing removes
// objects but the removal of the whole repository, which waits for every checkout to
// close); the refs it leaves (a fetch's remote-tracking refs) are removed at the end of
// each Write, so the repository keeps only its own refs/gitcache/* and offers only
// those as haves. This is simpler than an object store per checkout (go-git's
// alternates are partial) and costs the repository's other jobs a short wait.
//
// Forget (by URL), ForgetName (by Request.Name, such as GitHub's owner/name) and
// ForgetUnlisted (every name a complete listing lacks) remove a repository the caller
// may no longer read: at once when unused, else when its last checkout closes. The URL and name are kept in the repository's used file,
// so that they are known after a restart. A repository renamed is a new URL: a new
// repository, the old one evicted in time. Names and branches are resolved on the
// remote at every Checkout, so a repository the credentials no longer reach fails
// with an error naming it; a commit asked for by its sha that the cache holds is
// served without asking the remote (Forget is what takes such commits away), and only
// to requests of the scope (Request.Scope) whose credentials fetched it: each scope
// has its own repository of a URL.
//
// All git access goes through pkg/gitrepo. It knows nothing of GitHub, commands,
// manifests or clusters, and never writes outside its directory and its checkouts.
package gitcache
