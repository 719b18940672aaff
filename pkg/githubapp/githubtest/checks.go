package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// GitHub's limits on check runs, restated on purpose (see CommentLimit): a check run's
// output summary and text hold at most CheckRunOutputLimit characters, which GitHub
// counts as bytes in practice (github/rest-api-description#5399); one create or
// update carries at most AnnotationsPerRequest annotations; an annotation's title
// holds 255 characters, its message and raw details 64 KB.
const (
	CheckRunOutputLimit   = 65535
	AnnotationsPerRequest = 50
	annotationTitleLimit  = 255
	annotationTextLimit   = 64 << 10
)

// CheckRun is a check run as stored: its state after every create and update.
type CheckRun struct {
	ID                        int64
	Repo                      string // owner/name
	Name, HeadSHA, ExternalID string
	DetailsURL                string
	Status, Conclusion        string
	StartedAt, CompletedAt    string // as sent, "" when not
	Title, Summary, Text      string
	Annotations               []Annotation // every annotation added, in order
	Requests                  int          // the creates and updates that made it
}

// Annotation is a check run annotation as stored.
type Annotation struct {
	Path                                       string
	StartLine, EndLine, StartColumn, EndColumn int
	Level, Title, Message, RawDetails          string
}

var (
	reCheckRuns    = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/check-runs$`)
	reCheckRun     = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/check-runs/(\d+)$`)
	reRefCheckRuns = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/commits/([^/]+)/check-runs$`)
	reFullSHA      = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
)

// CheckRuns returns the check runs of repo ("owner/name"), oldest first.
func (s *Server) CheckRuns(repo string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, c := range s.checkRuns {
		if c.Repo == repo {
			cp := *c
			cp.Annotations = append([]Annotation(nil), c.Annotations...)
			out = append(out, cp)
		}
	}
	return out
}

// checkRunIn is a create or update request's body.
type checkRunIn struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string `json:"title"`
		Summary     *string `json:"summary"`
		Text        *string `json:"text"`
		Annotations []struct {
			Path            string `json:"path"`
			StartLine       int    `json:"start_line"`
			EndLine         int    `json:"end_line"`
			StartColumn     int    `json:"start_column"`
			EndColumn       int    `json:"end_column"`
			AnnotationLevel string `json:"annotation_level"`
			Title           string `json:"title"`
			Message         string `json:"message"`
			RawDetails      string `json:"raw_details"`
		} `json:"annotations"`
	} `json:"output"`
}

// serveChecks answers check run creates, updates, gets and lists for a ref; it
// reports whether it did.
func (s *Server) serveChecks(w http.ResponseWriter, r *http.Request, body []byte) bool {
	p := r.URL.Path
	if m := reCheckRuns.FindStringSubmatch(p); m != nil && r.Method == http.MethodPost {
		s.writeCheckRun(w, m[1]+"/"+m[2], nil, body)
		return true
	}
	if m := reCheckRun.FindStringSubmatch(p); m != nil && (r.Method == http.MethodGet || r.Method == http.MethodPatch) {
		id, _ := strconv.ParseInt(m[3], 10, 64)
		c := s.checkRun(m[1]+"/"+m[2], id)
		switch {
		case c == nil:
			notFound(w)
		case r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, s.checkRunJSON(c))
		default:
			s.writeCheckRun(w, c.Repo, c, body)
		}
		return true
	}
	if m := reRefCheckRuns.FindStringSubmatch(p); m != nil && r.Method == http.MethodGet {
		s.listCheckRuns(w, r, m[1]+"/"+m[2], m[3])
		return true
	}
	return false
}

func (s *Server) checkRun(repo string, id int64) *CheckRun {
	for _, c := range s.checkRuns {
		if c.Repo == repo && c.ID == id {
			return c
		}
	}
	return nil
}

// writeCheckRun creates a check run of repo (c nil) or updates c, refusing with 422
// what GitHub refuses.
func (s *Server) writeCheckRun(w http.ResponseWriter, repo string, c *CheckRun, body []byte) {
	var in checkRunIn
	if err := json.Unmarshal(body, &in); err != nil {
		invalid(w, "Problems parsing JSON")
		return
	}
	create := c == nil
	next := CheckRun{}
	if !create {
		next = *c
	}
	if create {
		if in.Name == nil || *in.Name == "" || in.HeadSHA == nil || *in.HeadSHA == "" {
			invalid(w, "Validation Failed: name and head_sha are required")
			return
		}
		if msg := s.checkCommit(repo, *in.HeadSHA); msg != "" {
			invalid(w, msg)
			return
		}
		next = CheckRun{Repo: repo, HeadSHA: *in.HeadSHA, Status: "queued"}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Name != nil {
		if *in.Name == "" {
			invalid(w, "Validation Failed: name can't be blank")
			return
		}
		next.Name = *in.Name
	}
	set(&next.DetailsURL, in.DetailsURL)
	set(&next.ExternalID, in.ExternalID)
	set(&next.StartedAt, in.StartedAt)
	set(&next.CompletedAt, in.CompletedAt)
	if in.Status != nil {
		switch *in.Status {
		case "queued", "in_progress":
			next.Status, next.Conclusion, next.CompletedAt = *in.Status, "", ""
		case "completed":
			next.Status = "completed"
		default:
			invalid(w, "Validation Failed: status is not included in the list")
			return
		}
	}
	if in.Conclusion != nil {
		switch *in.Conclusion {
		case "action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out":
			next.Conclusion, next.Status = *in.Conclusion, "completed"
		case "stale":
			invalid(w, "Validation Failed: only GitHub may set the conclusion stale")
			return
		default:
			invalid(w, "Validation Failed: conclusion is not included in the list")
			return
		}
	}
	if (next.Status == "completed" || in.CompletedAt != nil) && next.Conclusion == "" {
		invalid(w, "Validation Failed: conclusion can't be blank when status is completed or completed_at is given")
		return
	}
	if next.Status == "completed" && next.CompletedAt == "" {
		next.CompletedAt = time.Now().UTC().Format(time.RFC3339)
	}
	if o := in.Output; o != nil {
		if o.Title == nil || o.Summary == nil {
			invalid(w, "Validation Failed: output needs a title and a summary")
			return
		}
		for field, v := range map[string]*string{"summary": o.Summary, "text": o.Text} {
			if v != nil && len(*v) > CheckRunOutputLimit {
				invalid(w, fmt.Sprintf("Validation Failed: output.%s is too long (maximum is %d characters)", field, CheckRunOutputLimit))
				return
			}
		}
		if len(o.Annotations) > AnnotationsPerRequest {
			invalid(w, fmt.Sprintf("Validation Failed: only %d annotations may be sent in one request, got %d", AnnotationsPerRequest, len(o.Annotations)))
			return
		}
		next.Annotations = append([]Annotation(nil), next.Annotations...)
		for i, a := range o.Annotations {
			msg := ""
			switch {
			case a.Path == "":
				msg = "path is missing"
			case a.StartLine < 1 || a.EndLine < a.StartLine:
				msg = fmt.Sprintf("lines %d to %d", a.StartLine, a.EndLine)
			case a.AnnotationLevel != "notice" && a.AnnotationLevel != "warning" && a.AnnotationLevel != "failure":
				msg = "annotation_level is not included in the list"
			case a.Message == "":
				msg = "message is missing"
			case utf8.RuneCountInString(a.Title) > annotationTitleLimit:
				msg = fmt.Sprintf("title is too long (maximum is %d characters)", annotationTitleLimit)
			case len(a.Message) > annotationTextLimit || len(a.RawDetails) > annotationTextLimit:
				msg = "message or raw_details is too long (maximum is 64 KB)"
			}
			if msg != "" {
				invalid(w, fmt.Sprintf("Validation Failed: annotation %d: %s", i, msg))
				return
			}
			next.Annotations = append(next.Annotations, Annotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine,
				StartColumn: a.StartColumn, EndColumn: a.EndColumn, Level: a.AnnotationLevel, Title: a.Title,
				Message: a.Message, RawDetails: a.RawDetails})
		}
		next.Title, next.Summary = *o.Title, *o.Summary
		set(&next.Text, o.Text)
	}
	next.Requests++
	code := http.StatusOK
	if create {
		s.nextID++
		next.ID = s.nextID
		c = &CheckRun{}
		s.checkRuns = append(s.checkRuns, c)
		code = http.StatusCreated
	}
	*c = next
	writeJSON(w, code, s.checkRunJSON(c))
}

// checkCommit is GitHub's answer to a head_sha it does not know ("" when it does):
// a full SHA, and one of the repository's commits when the server serves repo.
func (s *Server) checkCommit(repo, sha string) string {
	if !reFullSHA.MatchString(sha) {
		return "Validation Failed: head_sha is not a full commit SHA"
	}
	if r := s.repos[repo]; r != nil {
		if _, err := revParse(r, sha); err != nil {
			return "No commit found for SHA: " + sha
		}
	}
	return ""
}

// listCheckRuns answers GET /repos/{owner}/{repo}/commits/{ref}/check-runs: the
// runs of the commit, newest first, filtered by check_name and status, only the
// newest of each name unless filter=all.
func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request, repo, ref string) {
	sha := ref
	if rp := s.repos[repo]; rp != nil {
		got, err := revParse(rp, ref)
		if err != nil {
			invalid(w, "No commit found for SHA: "+ref)
			return
		}
		sha = got
	}
	q := r.URL.Query()
	var all []*CheckRun
	for _, c := range s.checkRuns {
		if c.Repo == repo && c.HeadSHA == sha &&
			(q.Get("check_name") == "" || q.Get("check_name") == c.Name) &&
			(q.Get("status") == "" || q.Get("status") == c.Status) {
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID > all[j].ID })
	if q.Get("filter") != "all" {
		seen := map[string]bool{}
		latest := all[:0:0]
		for _, c := range all {
			if !seen[c.Name] {
				seen[c.Name] = true
				latest = append(latest, c)
			}
		}
		all = latest
	}
	list := make([]map[string]any, 0, len(all))
	for _, c := range all {
		list = append(list, s.checkRunJSON(c))
	}
	s.page(w, r, list, func(items []map[string]any) any {
		return map[string]any{"total_count": len(list), "check_runs": items}
	})
}

func (s *Server) checkRunJSON(c *CheckRun) map[string]any {
	orNull := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	owner, name, _ := strings.Cut(c.Repo, "/")
	app := map[string]any{"id": 1, "slug": "kubectl-gitops", "name": "kubectl-gitops"}
	if s.App != nil {
		app = map[string]any{"id": s.App.ID, "slug": s.App.Slug, "name": s.App.Slug}
	}
	return map[string]any{
		"id":           c.ID,
		"node_id":      fmt.Sprintf("CR_%d", c.ID),
		"name":         c.Name,
		"head_sha":     c.HeadSHA,
		"external_id":  c.ExternalID,
		"url":          fmt.Sprintf("%s/repos/%s/%s/check-runs/%d", s.URL, owner, name, c.ID),
		"html_url":     fmt.Sprintf("https://github.com/%s/runs/%d", c.Repo, c.ID),
		"details_url":  orNull(c.DetailsURL),
		"status":       c.Status,
		"conclusion":   orNull(c.Conclusion),
		"started_at":   orNull(c.StartedAt),
		"completed_at": orNull(c.CompletedAt),
		"output": map[string]any{
			"title":             orNull(c.Title),
			"summary":           orNull(c.Summary),
			"text":              orNull(c.Text),
			"annotations_count": len(c.Annotations),
			"annotations_url":   fmt.Sprintf("%s/repos/%s/%s/check-runs/%d/annotations", s.URL, owner, name, c.ID),
		},
		"check_suite":   map[string]any{"id": 1},
		"app":           app,
		"pull_requests": []any{},
	}
}
