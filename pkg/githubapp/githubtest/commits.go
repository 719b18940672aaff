package githubtest

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

var (
	reCompare        = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/compare/(.+)\.\.\.(.+)$`)
	reCommits        = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/commits$`)
	reCommitStatuses = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/commits/([^/]+)/statuses$`)
	reCommitPulls    = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/commits/([0-9a-f]{40})/pulls$`)
	reCommit         = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/commits/([^/]+)$`)
)

// wantsSHA reports whether accept asks GET commits/{ref} for the commit's sha alone,
// as text (application/vnd.github.sha, or go-github's vnd.github.v3.sha).
func wantsSHA(accept string) bool {
	return strings.Contains(accept, "application/vnd.github.sha") || strings.Contains(accept, "application/vnd.github.v3.sha")
}

// serveCommits answers the commit reads: a comparison's status, the commits
// reachable from a ref, a commit's statuses and its pull requests (the one whose
// Merge put it on the base branch, open ones whose head it is), and one commit (with
// the sha media type, its sha alone; "HEAD" is the default branch's); it reports
// whether it did.
func (s *Server) serveCommits(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	p := r.URL.Path
	for _, re := range []*regexp.Regexp{reCompare, reCommits, reCommitStatuses, reCommitPulls, reCommit} {
		m := re.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		repo := s.repos[m[1]+"/"+m[2]]
		if repo == nil {
			notFound(w)
			return true
		}
		switch re {
		case reCompare:
			s.compare(w, repo, m[3], m[4])
		case reCommits:
			s.listCommits(w, r, repo)
		case reCommitStatuses:
			sha, err := revParse(repo, m[3])
			if err != nil {
				notFound(w)
				return true
			}
			var list []map[string]any
			for i := len(s.statuses) - 1; i >= 0; i-- { // newest first
				if st := s.statuses[i]; st.Repo == repo.FullName && st.SHA == sha {
					list = append(list, statusJSON(i+1, st))
				}
			}
			s.page(w, r, list, func(items []map[string]any) any { return items })
		case reCommit:
			s.commit(w, r, repo, m[3])
		case reCommitPulls:
			var list []map[string]any
			for _, n := range sortedPulls(repo) {
				pr := repo.pulls[n]
				if pr.MergeCommitSHA == m[3] || (pr.State == "open" && pr.HeadSHA == m[3]) {
					list = append(list, pullJSON(repo, pr))
				}
			}
			s.page(w, r, list, func(items []map[string]any) any { return items })
		}
		return true
	}
	return false
}

// compare answers GET compare/base...head with GitHub's status of head against base.
func (s *Server) compare(w http.ResponseWriter, repo *Repo, base, head string) {
	b, err1 := revParse(repo, base)
	h, err2 := revParse(repo, head)
	if err1 != nil || err2 != nil {
		notFound(w)
		return
	}
	isAncestor := func(a, d string) bool {
		_, err := gitrepotest.Run("", "--git-dir", repo.GitDir, "merge-base", "--is-ancestor", a, d)
		return err == nil
	}
	status := "diverged"
	switch {
	case b == h:
		status = "identical"
	case isAncestor(h, b):
		status = "behind"
	case isAncestor(b, h):
		status = "ahead"
	}
	count := func(rng string) int {
		out, _ := gitrepotest.Run("", "--git-dir", repo.GitDir, "rev-list", "--count", rng)
		n, _ := strconv.Atoi(strings.TrimSpace(out))
		return n
	}
	ahead := count(b + ".." + h)
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "ahead_by": ahead, "behind_by": count(h + ".." + b),
		"total_commits": ahead, "commits": []any{}, "files": []any{},
		"base_commit": map[string]any{"sha": b}, "merge_base_commit": map[string]any{"sha": b}})
}

// commit answers GET commits/{ref}: with the sha media type the sha alone as text
// (304 when If-None-Match names it, as GitHub does), else the commit's sha as JSON.
// "HEAD" is the default branch.
func (s *Server) commit(w http.ResponseWriter, r *http.Request, repo *Repo, ref string) {
	if ref == "HEAD" {
		ref = repo.DefaultBranch
	}
	sha, err := branchSHA(repo, ref)
	if err != nil {
		if sha, err = revParse(repo, ref); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + ref})
			return
		}
	}
	if !wantsSHA(r.Header.Get("Accept")) {
		writeJSON(w, http.StatusOK, map[string]any{"sha": sha, "commit": map[string]any{"message": ""}})
		return
	}
	w.Header().Set("ETag", `"`+sha+`"`)
	if r.Header.Get("If-None-Match") == `"`+sha+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.github.sha; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(sha))
}

// listCommits answers GET commits?sha=: the commits reachable from sha (default: the
// default branch), newest first.
func (s *Server) listCommits(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref := r.URL.Query().Get("sha")
	if ref == "" {
		ref = repo.DefaultBranch
	}
	sha, err := revParse(repo, ref)
	if err != nil {
		notFound(w)
		return
	}
	out, err := gitrepotest.Run("", "--git-dir", repo.GitDir, "rev-list", "--max-count=1000", sha)
	if err != nil {
		notFound(w)
		return
	}
	var list []map[string]any
	for _, c := range strings.Fields(out) {
		list = append(list, map[string]any{"sha": c, "commit": map[string]any{"message": ""}})
	}
	s.page(w, r, list, func(items []map[string]any) any { return items })
}

func statusJSON(id int, st Status) map[string]any {
	return map[string]any{"id": id, "state": st.State, "context": st.Context, "description": st.Description,
		"target_url": st.TargetURL, "created_at": "2024-03-01T00:00:00Z", "updated_at": "2024-03-01T00:00:00Z"}
}

// queueStatusEvent queues the status webhook of st (after the answer, like GitHub);
// s.mu is held.
func (s *Server) queueStatusEvent(st Status, id int) {
	repo := s.repos[st.Repo]
	if s.hookURL == "" || repo == nil {
		return
	}
	branches := []map[string]any{}
	out, _ := gitrepotest.Run("", "--git-dir", repo.GitDir, "branch", "--format=%(refname:short) %(objectname)", "--contains", st.SHA)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, sha, ok := strings.Cut(line, " "); ok && len(branches) < 10 {
			branches = append(branches, map[string]any{"name": name, "commit": map[string]any{"sha": sha}})
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	s.outbox = append(s.outbox, s.newDelivery("status", map[string]any{
		"id": id, "sha": st.SHA, "name": st.Repo, "state": st.State, "context": st.Context,
		"description": st.Description, "target_url": st.TargetURL, "branches": branches,
		"commit": map[string]any{"sha": st.SHA}, "created_at": now, "updated_at": now,
		"repository": repoJSON(repo), "installation": map[string]any{"id": s.installationOf(repo)},
		"sender": map[string]any{"login": "applier"}}))
}

// sortedPulls are the numbers of repo's pull requests, in order.
func sortedPulls(repo *Repo) []int {
	ns := make([]int, 0, len(repo.pulls))
	for n := range repo.pulls {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// nilIfEmpty is s, or JSON's null for "".
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
