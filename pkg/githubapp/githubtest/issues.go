package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Issue is an issue of a Repo, as stored (pull requests are kept apart, in
// PullRequests, though they share numbers and the issues listing, as on GitHub).
type Issue struct {
	Number      int
	Repo        string
	Title, Body string
	State       string // "open" or "closed"
	StateReason string
	Labels      []string
	Assignees   []string
	Author      string
}

var (
	reIssues = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues$`)
	reIssue  = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)$`)
)

// serveIssues answers listing, opening, reading and editing issues; it reports
// whether it did.
func (s *Server) serveIssues(w http.ResponseWriter, r *http.Request, body []byte) bool {
	p := r.URL.Path
	m := reIssues.FindStringSubmatch(p)
	if m == nil {
		m = reIssue.FindStringSubmatch(p)
	}
	if m == nil {
		return false
	}
	repo := s.repos[m[1]+"/"+m[2]]
	if repo == nil {
		notFound(w)
		return true
	}
	var in map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if err := json.Unmarshal(body, &in); err != nil {
			invalid(w, "Problems parsing JSON")
			return true
		}
	}
	if len(m) == 3 {
		switch r.Method {
		case http.MethodGet:
			s.listIssues(w, r, repo)
		case http.MethodPost:
			s.openIssue(w, repo, in)
		default:
			notFound(w)
		}
		return true
	}
	n, _ := strconv.Atoi(m[3])
	is := s.issue(repo.FullName, n)
	if is == nil {
		notFound(w)
		return true
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, issueJSON(is))
	case http.MethodPatch:
		if msg := editIssue(is, in); msg != "" {
			invalid(w, msg)
			return true
		}
		writeJSON(w, http.StatusOK, issueJSON(is))
	default:
		notFound(w)
	}
	return true
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	creator := q.Get("creator")
	type item struct {
		n int
		v map[string]any
	}
	var items []item
	for _, is := range s.issues {
		if is.Repo == repo.FullName && (state == "all" || is.State == state) && (creator == "" || strings.EqualFold(creator, is.Author)) {
			items = append(items, item{is.Number, issueJSON(is)})
		}
	}
	for _, pr := range repo.pulls {
		prState := pr.State
		if prState == "" {
			prState = "open"
		}
		if (state == "all" || prState == state) && (creator == "" || strings.EqualFold(creator, pr.User)) {
			v := pullJSON(repo, pr)
			v["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, repo.FullName, pr.Number)}
			items = append(items, item{pr.Number, v})
		}
	}
	desc := q.Get("direction") != "asc"
	sort.Slice(items, func(i, j int) bool { return (items[i].n > items[j].n) == desc })
	list := make([]map[string]any, len(items))
	for i, it := range items {
		list[i] = it.v
	}
	s.page(w, r, list, func(l []map[string]any) any { return l })
}

func (s *Server) openIssue(w http.ResponseWriter, repo *Repo, in map[string]any) {
	title, _ := in["title"].(string)
	if title == "" {
		invalid(w, "Validation Failed: title can't be blank")
		return
	}
	is := &Issue{Number: s.nextNumber(repo), Repo: repo.FullName, State: "open", Author: s.Author}
	if msg := editIssue(is, in); msg != "" {
		invalid(w, msg)
		return
	}
	for key, dst := range map[string]*[]string{"labels": &is.Labels, "assignees": &is.Assignees} {
		list, _ := in[key].([]any)
		for _, v := range list {
			if name, ok := v.(string); ok && !slices.Contains(*dst, name) {
				*dst = append(*dst, name)
			}
		}
	}
	s.issues = append(s.issues, is)
	writeJSON(w, http.StatusCreated, issueJSON(is))
}

// editIssue applies title, body, state and state_reason, with GitHub's rules; it
// returns GitHub's message when it refuses.
func editIssue(is *Issue, in map[string]any) string {
	if v, ok := in["title"].(string); ok {
		if utf8.RuneCountInString(v) > 256 {
			return "Validation Failed: title is too long (maximum is 256 characters)"
		}
		is.Title = v
	}
	if v, ok := in["body"].(string); ok {
		if utf8.RuneCountInString(v) > CommentLimit {
			return "Validation Failed: body is too long (maximum is 65536 characters)"
		}
		is.Body = v
	}
	if v, ok := in["state"].(string); ok {
		is.State, is.StateReason = v, ""
		if v == "closed" {
			is.StateReason = "completed"
		}
	}
	if v, ok := in["state_reason"].(string); ok && is.State == "closed" {
		is.StateReason = v
	}
	return ""
}

func issueJSON(is *Issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	assignees := []map[string]any{}
	for _, a := range is.Assignees {
		assignees = append(assignees, map[string]any{"login": a})
	}
	var reason any
	if is.StateReason != "" {
		reason = is.StateReason
	}
	return map[string]any{
		"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State, "state_reason": reason,
		"user": map[string]any{"login": is.Author}, "labels": labels, "assignees": assignees,
		"html_url": fmt.Sprintf("https://github.com/%s/issues/%d", is.Repo, is.Number),
	}
}

func (s *Server) issue(repo string, n int) *Issue {
	for _, is := range s.issues {
		if is.Repo == repo && is.Number == n {
			return is
		}
	}
	return nil
}

// nextNumber is the repository's next issue or pull request number: they share one
// sequence, as on GitHub.
func (s *Server) nextNumber(repo *Repo) int {
	n := 1
	for k := range repo.pulls {
		n = max(n, k+1)
	}
	for _, c := range s.comments {
		if c.Repo == repo.FullName {
			n = max(n, c.Issue+1)
		}
	}
	for _, is := range s.issues {
		if is.Repo == repo.FullName {
			n = max(n, is.Number+1)
		}
	}
	return n
}

// Issues returns the issues of repo ("owner/name"), open and closed, by number.
func (s *Server) Issues(repo string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.issues {
		if is.Repo == repo {
			out = append(out, *is)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// AddIssue stores an issue as if a person had opened it (Author "" is "octocat"); its
// number is the repository's next.
func (s *Server) AddIssue(repo string, is Issue) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	is.Repo = repo
	if is.Author == "" {
		is.Author = "octocat"
	}
	if is.State == "" {
		is.State = "open"
	}
	is.Number = s.nextNumber(r)
	s.issues = append(s.issues, &is)
	return is
}
