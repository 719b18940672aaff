package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// Repo is a repository the fake serves: its git data lives in a real (bare)
// repository, which is also what clones reach through CloneURL.
type Repo struct {
	FullName      string
	GitDir        string // a bare repository or a work tree's .git
	CloneURL      string // where git clones it (e.g. git http-backend on loopback)
	DefaultBranch string
	Private       bool
	// Permissions by login: "admin", "maintain", "write", "triage", "read".
	Permissions map[string]string
	pulls       map[int]*PullRequest
}

// PullRequest is an open pull request of a Repo.
type PullRequest struct {
	Number  int
	User    string
	HeadSHA string
	HeadRef string
	BaseRef string
	BaseSHA string
	// HeadRepo is the fork's Repo for a pull request from a fork (nil: the same repo).
	HeadRepo *Repo
	State    string // "open" (default) or "closed"
	Merged   bool
	// MergeCommitSHA is the commit Merge put on the base branch.
	MergeCommitSHA string

	Title, Body   string
	Labels        []string
	Reviewers     []string // requested users
	TeamReviewers []string // requested team slugs
	// Installation is the installation whose token opened it through the API; such a
	// pull request follows its head branch in GitDir like GitHub's do (see Server.Refresh).
	Installation int64
	tracked      bool
}

// AddRepo serves r.
func (s *Server) AddRepo(r *Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		s.repos = map[string]*Repo{}
	}
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	if r.pulls == nil {
		r.pulls = map[int]*PullRequest{}
	}
	s.repos[r.FullName] = r
}

// SetPullRequest adds or replaces a pull request of repo.
func (s *Server) SetPullRequest(repo string, pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pr.State == "" {
		pr.State = "open"
	}
	s.repos[repo].pulls[pr.Number] = &pr
}

var (
	rePull       = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/pulls/(\d+)$`)
	rePulls      = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/pulls$`)
	reContents   = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/contents/(.+)$`)
	rePermission = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/collaborators/([^/]+)/permission$`)
	reReactions  = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)/reactions$`)
	reRepo       = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)$`)
)

// serveRepos answers the repository endpoints; it reports whether it did.
func (s *Server) serveRepos(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if s.App == nil && (p == "/installation/repositories" || p == "/app/installations") {
		return false
	}
	if r.Method == http.MethodGet && p == "/installation/repositories" {
		inst := s.App.installationOf(r.Header.Get("Authorization"))
		var list []map[string]any
		for _, name := range s.App.Repos[inst] {
			if repo := s.repos[name]; repo != nil {
				list = append(list, repoJSON(repo))
			}
		}
		s.page(w, r, list, func(items []map[string]any) any {
			return map[string]any{"total_count": len(list), "repositories": items}
		})
		return true
	}
	if r.Method == http.MethodGet && p == "/app/installations" {
		var list []map[string]any
		for id := range s.App.Installations {
			list = append(list, map[string]any{"id": id, "app_id": s.App.ID})
		}
		sort.Slice(list, func(i, j int) bool { return list[i]["id"].(int64) < list[j]["id"].(int64) })
		s.page(w, r, list, func(items []map[string]any) any { return items })
		return true
	}
	repoOf := func(m []string) *Repo { return s.repos[m[1]+"/"+m[2]] }
	switch {
	case r.Method == http.MethodGet && rePull.MatchString(p):
		m := rePull.FindStringSubmatch(p)
		repo := repoOf(m)
		n, _ := strconv.Atoi(m[3])
		if repo == nil || repo.pulls[n] == nil {
			notFound(w)
			return true
		}
		writeJSON(w, http.StatusOK, pullJSON(repo, repo.pulls[n]))
	case r.Method == http.MethodGet && reContents.MatchString(p):
		m := reContents.FindStringSubmatch(p)
		repo := repoOf(m)
		if repo == nil {
			notFound(w)
			return true
		}
		ref := r.URL.Query().Get("ref")
		if ref == "" {
			ref = repo.DefaultBranch
		}
		data, err := gitrepotest.Command("", "--git-dir", repo.GitDir, "show", ref+":"+m[3]).Output()
		if err != nil {
			notFound(w)
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"type": "file", "encoding": "base64", "path": m[3], "name": m[3][strings.LastIndex(m[3], "/")+1:],
			"size": len(data), "content": base64.StdEncoding.EncodeToString(data)})
	case r.Method == http.MethodGet && rePermission.MatchString(p):
		m := rePermission.FindStringSubmatch(p)
		repo := repoOf(m)
		if repo == nil {
			notFound(w)
			return true
		}
		perm := repo.Permissions[m[3]]
		if perm == "" {
			perm = "none"
		}
		legacy := map[string]string{"maintain": "write", "triage": "read"}[perm]
		if legacy == "" {
			legacy = perm
		}
		writeJSON(w, http.StatusOK, map[string]any{"permission": legacy, "role_name": perm, "user": map[string]any{"login": m[3]}})
	case r.Method == http.MethodPost && reReactions.MatchString(p):
		writeJSON(w, http.StatusCreated, map[string]any{"id": 1, "content": "eyes"})
	case r.Method == http.MethodGet && reRepo.MatchString(p):
		repo := repoOf(reRepo.FindStringSubmatch(p))
		if repo == nil {
			notFound(w)
			return true
		}
		writeJSON(w, http.StatusOK, repoJSON(repo))
	default:
		return false
	}
	return true
}

// page writes one page of list, with GitHub's Link header for the next.
func (s *Server) page(w http.ResponseWriter, r *http.Request, list []map[string]any, wrap func([]map[string]any) any) {
	per := s.PerPage
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	start := min((page-1)*per, len(list))
	end := min(start+per, len(list))
	if end < len(list) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		q.Set("per_page", strconv.Itoa(per))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.URL, r.URL.Path, q.Encode()))
	}
	items := list[start:end]
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, wrap(items))
}

func repoJSON(r *Repo) map[string]any {
	owner, _, _ := strings.Cut(r.FullName, "/")
	return map[string]any{"full_name": r.FullName, "name": r.FullName[len(owner)+1:], "owner": map[string]any{"login": owner},
		"clone_url": r.CloneURL, "html_url": "https://github.com/" + r.FullName, "default_branch": r.DefaultBranch, "private": r.Private}
}

func pullJSON(repo *Repo, pr *PullRequest) map[string]any {
	head := repo
	if pr.HeadRepo != nil {
		head = pr.HeadRepo
	}
	labels := []map[string]any{}
	for _, l := range pr.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	reviewers := []map[string]any{}
	for _, u := range pr.Reviewers {
		reviewers = append(reviewers, map[string]any{"login": u})
	}
	teams := []map[string]any{}
	for _, t := range pr.TeamReviewers {
		teams = append(teams, map[string]any{"slug": t})
	}
	return map[string]any{
		"number": pr.Number, "state": pr.State, "user": map[string]any{"login": pr.User},
		"title": pr.Title, "body": pr.Body, "labels": labels, "requested_reviewers": reviewers, "requested_teams": teams,
		"merged": pr.Merged, "merged_at": mergedAt(pr), "merge_commit_sha": nilIfEmpty(pr.MergeCommitSHA),
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d", repo.FullName, pr.Number),
		"head":     map[string]any{"sha": pr.HeadSHA, "ref": pr.HeadRef, "repo": repoJSON(head)},
		"base":     map[string]any{"ref": pr.BaseRef, "sha": pr.BaseSHA, "repo": repoJSON(repo)},
	}
}

// mergedAt is the merged_at of a pull request: null unless merged (as in list answers,
// which carry no "merged").
func mergedAt(pr *PullRequest) any {
	if !pr.Merged {
		return nil
	}
	return "2024-03-01T00:00:00Z"
}
