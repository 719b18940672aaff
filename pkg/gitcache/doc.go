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
// as haves), and checks it out into a new temporary directory that Close removes. The
// bytes one job fetches and checks out are bounded together (Request.MaxBytes,
// gitrepo.ErrTooLarge).
//
// All git access goes through pkg/gitrepo. It knows nothing of GitHub, commands,
// manifests or clusters, and never writes outside its directory and its checkouts.
package gitcache
