package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

var (
	rePullLabels    = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)/labels$`)
	rePullReviewers = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/pulls/(\d+)/requested_reviewers$`)
	reGitRef        = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/git/refs/(.+)$`)
)

// servePulls answers the pull request writes, the filtered list, labels, reviewers
// and ref deletion; it reports whether it did.
func (s *Server) servePulls(w http.ResponseWriter, r *http.Request, body []byte) bool {
	p := r.URL.Path
	var m []string
	is := func(method string, re *regexp.Regexp) bool {
		if r.Method != method {
			return false
		}
		m = re.FindStringSubmatch(p)
		return m != nil
	}
	var repo *Repo
	number := 0
	with := func() bool { // resolves repo (and number) of m; writes 404 when missing
		repo = s.repos[m[1]+"/"+m[2]]
		if len(m) > 3 {
			number, _ = strconv.Atoi(m[3])
		}
		if repo == nil || (len(m) > 3 && number > 0 && repo.pulls[number] == nil && !strings.Contains(p, "/git/")) {
			notFound(w)
			return false
		}
		return true
	}
	var in map[string]any
	decode := func() bool {
		if err := json.Unmarshal(body, &in); err != nil {
			invalid(w, "Problems parsing JSON")
			return false
		}
		return true
	}
	switch {
	case is(http.MethodGet, rePulls):
		if with() {
			s.listPulls(w, r, repo)
		}
	case is(http.MethodPost, rePulls):
		if with() && decode() {
			s.createPull(w, r, repo, in)
		}
	case is(http.MethodPatch, rePull):
		if with() && decode() {
			pr := repo.pulls[number]
			if v, ok := in["title"].(string); ok {
				pr.Title = v
			}
			if v, ok := in["body"].(string); ok {
				pr.Body = v
			}
			if v, ok := in["state"].(string); ok && v != pr.State {
				pr.State = v
				action := "closed"
				if v == "open" {
					action = "reopened"
				}
				s.queuePullEvent(repo, pr, action)
			}
			writeJSON(w, http.StatusOK, pullJSON(repo, pr))
		}
	case is(http.MethodPost, rePullLabels):
		if with() && decode() {
			pr := repo.pulls[number]
			list, _ := in["labels"].([]any)
			for _, l := range list {
				if name, ok := l.(string); ok && !slices.Contains(pr.Labels, name) {
					pr.Labels = append(pr.Labels, name)
				}
			}
			out := []map[string]any{}
			for _, l := range pr.Labels {
				out = append(out, map[string]any{"name": l})
			}
			writeJSON(w, http.StatusOK, out)
		}
	case is(http.MethodPost, rePullReviewers):
		if with() && decode() {
			pr := repo.pulls[number]
			for key, dst := range map[string]*[]string{"reviewers": &pr.Reviewers, "team_reviewers": &pr.TeamReviewers} {
				list, _ := in[key].([]any)
				for _, u := range list {
					if name, ok := u.(string); ok && !slices.Contains(*dst, name) {
						*dst = append(*dst, name)
					}
				}
			}
			writeJSON(w, http.StatusCreated, pullJSON(repo, pr))
		}
	case is(http.MethodDelete, reGitRef):
		if with() {
			ref := "refs/" + m[3]
			if _, err := gitrepotest.Run("", "--git-dir", repo.GitDir, "rev-parse", "--verify", "-q", ref); err != nil {
				invalid(w, "Reference does not exist")
				return true
			}
			if _, err := gitrepotest.Run("", "--git-dir", repo.GitDir, "update-ref", "-d", ref); err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]any{"message": err.Error()})
				return true
			}
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		return false
	}
	return true
}

// listPulls lists pull requests by state, and by head ("owner:branch") when asked.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var nums []int
	for n, pr := range repo.pulls {
		if state != "all" && pr.State != state {
			continue
		}
		if h := q.Get("head"); h != "" {
			head := repo
			if pr.HeadRepo != nil {
				head = pr.HeadRepo
			}
			owner, _, _ := strings.Cut(head.FullName, "/")
			if h != owner+":"+pr.HeadRef {
				continue
			}
		}
		if b := q.Get("base"); b != "" && b != pr.BaseRef {
			continue
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var list []map[string]any
	for _, n := range nums {
		list = append(list, pullJSON(repo, repo.pulls[n]))
	}
	s.page(w, r, list, func(items []map[string]any) any { return items })
}

// createPull opens a pull request between two branches of repo, as GitHub does: 422
// when a branch is missing or one is already open for the head and base; a
// pull_request "opened" webhook follows.
func (s *Server) createPull(w http.ResponseWriter, r *http.Request, repo *Repo, in map[string]any) {
	head, _ := in["head"].(string)
	base, _ := in["base"].(string)
	title, _ := in["title"].(string)
	text, _ := in["body"].(string)
	if _, branch, ok := strings.Cut(head, ":"); ok {
		head = branch
	}
	headSHA, err := revParse(repo, "refs/heads/"+head)
	if err != nil {
		invalid(w, "Validation Failed: head invalid")
		return
	}
	baseSHA, err := revParse(repo, "refs/heads/"+base)
	if err != nil {
		invalid(w, "Validation Failed: base invalid")
		return
	}
	if title == "" {
		invalid(w, "Validation Failed: title is missing")
		return
	}
	owner, _, _ := strings.Cut(repo.FullName, "/")
	for _, pr := range repo.pulls {
		if pr.State == "open" && pr.HeadRepo == nil && pr.HeadRef == head && pr.BaseRef == base {
			invalid(w, fmt.Sprintf("Validation Failed: A pull request already exists for %s:%s.", owner, head))
			return
		}
	}
	if headSHA == baseSHA {
		invalid(w, "Validation Failed: No commits between "+base+" and "+head)
		return
	}
	n := s.nextNumber(repo)
	pr := &PullRequest{Number: n, User: s.Author, HeadSHA: headSHA, HeadRef: head, BaseRef: base, BaseSHA: baseSHA,
		State: "open", Title: title, Body: text, Installation: s.App.installationOf(r.Header.Get("Authorization")), tracked: true}
	repo.pulls[n] = pr
	writeJSON(w, http.StatusCreated, pullJSON(repo, pr))
	s.queuePullEvent(repo, pr, "opened")
}

func revParse(repo *Repo, ref string) (string, error) {
	sha, err := gitrepotest.Run("", "--git-dir", repo.GitDir, "rev-parse", "--verify", "-q", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%s not found in %s", ref, repo.FullName)
	}
	return sha, nil
}

// branchSHA is revParse of refs/heads/branch, read from its loose ref file when there
// is one (what git itself reads first): refresh runs at every request for every open
// pull request, and a git process each would make many pull requests slow.
func branchSHA(repo *Repo, branch string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(repo.GitDir, "refs", "heads", filepath.FromSlash(branch))); err == nil {
		if sha := strings.TrimSpace(string(b)); len(sha) == 40 && strings.Trim(sha, "0123456789abcdef") == "" {
			return sha, nil
		}
	}
	return revParse(repo, "refs/heads/"+branch)
}

// refresh does what GitHub does when branches move: an open pull request opened
// through the API follows its head branch and gets a "synchronize" webhook, and its
// base sha follows the base branch. Called before every request.
func (s *Server) refresh() {
	for _, repo := range s.repos {
		for _, pr := range repo.pulls {
			if !pr.tracked || pr.State != "open" {
				continue
			}
			if sha, err := branchSHA(repo, pr.BaseRef); err == nil {
				pr.BaseSHA = sha
			}
			sha, err := branchSHA(repo, pr.HeadRef)
			if err != nil || sha == pr.HeadSHA {
				continue
			}
			pr.HeadSHA = sha
			s.queuePullEvent(repo, pr, "synchronize")
		}
	}
}

// Refresh notices pushes to the branches of open pull requests now (GitHub does on
// its own; the fake does at each request, and when a test calls this), sending
// "synchronize" webhooks for the ones that moved.
func (s *Server) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
}

// PullRequests returns the pull requests of repo in any state, by number.
func (s *Server) PullRequests(repo string) []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PullRequest
	r := s.repos[repo]
	if r == nil {
		return nil
	}
	for _, pr := range r.pulls {
		out = append(out, *pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Merge fast-forwards (or merges with git) the base branch of pull request number to
// its head in GitDir and marks it merged and closed, sending "closed" and the base
// branch's "push" like GitHub.
func (s *Server) Merge(repo string, number int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil || r.pulls[number] == nil {
		return fmt.Errorf("no pull request %s#%d", repo, number)
	}
	pr := r.pulls[number]
	base, err := revParse(r, "refs/heads/"+pr.BaseRef)
	if err != nil {
		return err
	}
	if _, err := gitrepotest.Run("", "--git-dir", r.GitDir, "merge-base", "--is-ancestor", base, pr.HeadSHA); err != nil {
		return fmt.Errorf("%s#%d: %s is not a fast-forward of %s", repo, number, pr.HeadSHA, pr.BaseRef)
	}
	if _, err := gitrepotest.Run("", "--git-dir", r.GitDir, "update-ref", "refs/heads/"+pr.BaseRef, pr.HeadSHA, base); err != nil {
		return fmt.Errorf("fast-forward %s: %w", pr.BaseRef, err)
	}
	pr.State, pr.Merged, pr.MergeCommitSHA = "closed", true, pr.HeadSHA // a fast-forward: the head is what lands
	s.queuePullEvent(r, pr, "closed")
	s.queuePushEvent(r, pr.BaseRef, base, pr.HeadSHA)
	go s.flush() // as GitHub does once the merge is done
	return nil
}
