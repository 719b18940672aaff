package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// CommentLimit is the most characters GitHub accepts in a comment body. It is
// GitHub's rule restated, on purpose not pkg/githublimit's constant: a fake of
// GitHub must stay independent of the code it checks, so that a wrong limit in that
// code fails the tests instead of being accepted by the fake too.
const CommentLimit = 65536

// Call is one request the server answered.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
	Status int
}

// Comment is an issue or pull request comment as stored.
type Comment struct {
	ID     int64
	Issue  int
	Repo   string // owner/name
	Body   string
	Author string
}

// Status is a commit status as stored.
type Status struct {
	Repo, SHA, State, Context, Description, TargetURL string
}

// Fault is a canned failure: the next Times requests whose method and path match
// get Status with Header and a body naming the fault.
type Fault struct {
	Method string         // "" matches any
	Path   *regexp.Regexp // nil matches any
	Times  int
	Status int
	Header map[string]string
	// Message is GitHub's "message"; DocURL its "documentation_url" (GitHub marks a
	// secondary rate limit with a URL ending in "secondary-rate-limits").
	Message, DocURL string
}

// Server is the fake API. Its zero value is not usable: call New.
type Server struct {
	*httptest.Server
	// Author is the login comments are written as (default "kubectl-gitops[bot]").
	Author string
	// PerPage caps list pages (default 30, like GitHub; per_page up to 100 is honoured).
	PerPage int

	// Spec, when set, checks every request against GitHub's OpenAPI description
	// before anything else: 404 for an unknown method and path, 422 for a body it
	// rejects (see NewChecked).
	Spec *Spec

	// App, when set, makes the server a GitHub App's API: /app and installation
	// tokens need a JWT signed with the App's key, and every other call a current
	// installation token.
	App *App

	mu       sync.Mutex
	calls    []Call
	comments []*Comment
	statuses []Status
	issues   []*Issue
	nextID   int64
	faults   []*Fault
	repos    map[string]*Repo

	checkRuns []*CheckRun // check runs (checks.go)

	// webhooks (webhooks.go)
	hookURL    string
	hookSecret []byte
	hookSeq    int
	outbox     []outgoing
	sendMu     sync.Mutex // one sender at a time, in order
	hookMu     sync.Mutex
	delivered  []Delivery
}

// New starts a server; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{Author: "kubectl-gitops[bot]", PerPage: 30, nextID: 1000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// NewChecked starts a server that checks every request against GitHub's OpenAPI
// description (see Spec); the test fails when the description cannot be had.
func NewChecked(t interface {
	Cleanup(func())
	Helper()
	Fatalf(string, ...any)
}) *Server {
	t.Helper()
	sp, err := LoadSpec()
	if err != nil {
		t.Fatalf("GitHub's API description: %v", err)
	}
	s := New(t)
	s.Spec = sp
	return s
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Calls returns the calls so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Comments returns the comments of repo ("owner/name") issue number, oldest first.
func (s *Server) Comments(repo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Repo == repo && c.Issue == number {
			out = append(out, *c)
		}
	}
	return out
}

// AddComment stores a comment as if author had written it.
func (s *Server) AddComment(repo string, number int, author, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.comments = append(s.comments, &Comment{ID: s.nextID, Issue: number, Repo: repo, Body: body, Author: author})
	return s.nextID
}

// Statuses returns the commit statuses posted for repo and sha, in order.
func (s *Server) Statuses(repo, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.statuses {
		if st.Repo == repo && st.SHA == sha {
			out = append(out, st)
		}
	}
	return out
}

var (
	reComments = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$`)
	reComment  = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$`)
	reStatus   = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.refresh()
	s.route(rec, r, body)
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body), Status: rec.status})
	if len(s.outbox) > 0 {
		go s.flush() // after the answer, as GitHub does
	}
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4999")
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	if f := s.fault(r); f != nil {
		for k, v := range f.Header {
			w.Header().Set(k, v)
		}
		writeJSON(w, f.Status, map[string]any{"message": f.Message, "documentation_url": f.DocURL})
		return
	}
	if s.Spec != nil {
		if code, msg := s.Spec.Check(r, body); code != 0 {
			writeJSON(w, code, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"})
			return
		}
	}
	if s.App != nil {
		if done := s.App.serve(w, r); done {
			return
		}
	}
	if s.servePulls(w, r, body) || s.serveIssues(w, r, body) || s.serveRepos(w, r) || s.serveChecks(w, r, body) || s.serveCommits(w, r) {
		return
	}
	p := r.URL.Path
	switch m := match(p); {
	case m.re == reComments && r.Method == http.MethodGet:
		s.listComments(w, r, m.repo, m.n)
	case m.re == reComments && r.Method == http.MethodPost:
		s.writeComment(w, body, func(text string) (*Comment, int) {
			s.nextID++
			c := &Comment{ID: s.nextID, Issue: m.n, Repo: m.repo, Body: text, Author: s.Author}
			s.comments = append(s.comments, c)
			return c, http.StatusCreated
		})
	case m.re == reComment && r.Method == http.MethodPatch:
		s.writeComment(w, body, func(text string) (*Comment, int) {
			c := s.comment(m.repo, int64(m.n))
			if c == nil {
				return nil, http.StatusNotFound
			}
			c.Body = text
			return c, http.StatusOK
		})
	case m.re == reComment && r.Method == http.MethodDelete:
		for i, c := range s.comments {
			if c.Repo == m.repo && c.ID == int64(m.n) {
				s.comments = append(s.comments[:i], s.comments[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		notFound(w)
	case m.re == reStatus && r.Method == http.MethodPost:
		var raw map[string]string
		if err := json.Unmarshal(body, &raw); err != nil {
			invalid(w, "Problems parsing JSON")
			return
		}
		in := Status{Repo: m.repo, SHA: m.sha, State: raw["state"], Context: raw["context"], Description: raw["description"], TargetURL: raw["target_url"]}
		switch in.State {
		case "pending", "success", "failure", "error":
		default:
			invalid(w, "Validation Failed: state is not included in the list")
			return
		}
		if in.Context == "" {
			in.Context = "default"
		}
		if utf8.RuneCountInString(in.Description) > 140 { // characters, as GitHub counts them
			invalid(w, "Validation Failed: description is too long (maximum is 140 characters)")
			return
		}
		s.statuses = append(s.statuses, in)
		s.queueStatusEvent(in, len(s.statuses))
		writeJSON(w, http.StatusCreated, map[string]any{"id": len(s.statuses), "state": in.State, "context": in.Context})
	default:
		notFound(w)
	}
}

type routeMatch struct {
	re   *regexp.Regexp
	repo string
	n    int
	sha  string
}

func match(p string) routeMatch {
	for _, re := range []*regexp.Regexp{reComments, reComment, reStatus} {
		if m := re.FindStringSubmatch(p); m != nil {
			rm := routeMatch{re: re, repo: m[1] + "/" + m[2]}
			if re == reStatus {
				rm.sha = m[3]
			} else {
				rm.n, _ = strconv.Atoi(m[3])
			}
			return rm
		}
	}
	return routeMatch{}
}

func (s *Server) fault(r *http.Request) *Fault {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && (f.Path == nil || f.Path.MatchString(r.URL.Path)) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) comment(repo string, id int64) *Comment {
	for _, c := range s.comments {
		if c.Repo == repo && c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, repo string, number int) {
	var all []*Comment
	for _, c := range s.comments {
		if c.Repo == repo && c.Issue == number {
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	list := make([]map[string]any, 0, len(all))
	for _, c := range all {
		list = append(list, s.commentJSON(c))
	}
	s.page(w, r, list, func(items []map[string]any) any { return items })
}

func (s *Server) writeComment(w http.ResponseWriter, body []byte, store func(string) (*Comment, int)) {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		invalid(w, "Problems parsing JSON")
		return
	}
	text, ok := in["body"].(string)
	if !ok {
		invalid(w, "Validation Failed: body is missing")
		return
	}
	if utf8.RuneCountInString(text) > CommentLimit {
		invalid(w, "Validation Failed: body is too long (maximum is 65536 characters)")
		return
	}
	c, code := store(text)
	if c == nil {
		notFound(w)
		return
	}
	writeJSON(w, code, s.commentJSON(c))
}

func (s *Server) commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"user":     map[string]any{"login": c.Author, "type": "Bot"},
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", c.Repo, c.Issue, c.ID),
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
}

func invalid(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

// CountCalls counts the recorded calls with method whose path contains substr.
func (s *Server) CountCalls(method, substr string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && strings.Contains(c.Path, substr) {
			n++
		}
	}
	return n
}
