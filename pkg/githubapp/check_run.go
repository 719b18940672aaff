package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// Check run statuses, as GitHub names them.
const (
	CheckQueued     = "queued"
	CheckInProgress = "in_progress"
	CheckCompleted  = "completed"
)

// Check run conclusions a client may set ("stale" is GitHub's alone).
const (
	ConclusionSuccess        = "success"
	ConclusionFailure        = "failure"
	ConclusionNeutral        = "neutral"
	ConclusionCancelled      = "cancelled"
	ConclusionSkipped        = "skipped"
	ConclusionTimedOut       = "timed_out"
	ConclusionActionRequired = "action_required"
)

// Annotation levels, as GitHub names them.
const (
	AnnotationNotice  = "notice"
	AnnotationWarning = "warning"
	AnnotationFailure = "failure"
)

// CheckRun is what a check run should show: the input of CreateCheckRun and
// UpdateCheckRun.
//
// Every text is sent to GitHub as given, where anyone who can read the repository
// reads it: callers pass text already masked (pkg/plan masks Secret values) and
// never a Secret's data; this package never sees Secret objects.
type CheckRun struct {
	// Name is the check's name, e.g. "gitops/plan" (required).
	Name string
	// HeadSHA is the commit the run is for (required by CreateCheckRun; a run's
	// commit never changes, so UpdateCheckRun ignores it).
	HeadSHA string
	// Status is CheckQueued, CheckInProgress or CheckCompleted; "" is GitHub's
	// default on create (queued) and leaves the status as it is on update. A
	// Conclusion implies CheckCompleted.
	Status string
	// Conclusion is the result of a completed run (ConclusionSuccess, …); required
	// with CheckCompleted, "" otherwise.
	Conclusion string
	// ExternalID is the caller's reference for the run; CreateCheckRun finds a run
	// to update by Name, HeadSHA and ExternalID.
	ExternalID string
	// DetailsURL links the run to the caller's page for it ("" for none).
	DetailsURL string
	// StartedAt (create only: go-github's update has no started_at) and
	// CompletedAt; zero for none.
	StartedAt, CompletedAt time.Time

	// Title, Summary (Markdown) and Text (Markdown) are the run's output; each is cut
	// to GitHub's limit of 65535 characters with a note saying so. Title defaults to
	// Name when there is any output. All three empty with no annotations leave the
	// output as it is.
	Title, Summary, Text string
	// Annotations point at lines of files of the commit; see Annotation. GitHub takes
	// at most 50 per request: the verbs send them in order, 50 at a time.
	Annotations []Annotation
	// Root, when set, is the absolute path of a checkout of the repository:
	// annotation paths under it are made relative to it. Without it, an absolute
	// path is refused.
	Root string
}

// Annotation is a remark on lines of a file of the check run's commit.
type Annotation struct {
	// Path is the file, relative to the repository root ("apps/web/deploy.yaml";
	// "./" and "a/../" are cleaned away). An absolute path is refused unless it is
	// under CheckRun.Root; a path leaving the repository is refused.
	Path string
	// StartLine (from 1) and EndLine (0: StartLine) are the lines annotated.
	StartLine, EndLine int
	// StartColumn and EndColumn (from 1; 0 for none) are only sent when the
	// annotation is on one line, as GitHub requires.
	StartColumn, EndColumn int
	// Level is AnnotationFailure, AnnotationWarning or AnnotationNotice.
	Level string
	// Title (at most 255 characters) and RawDetails (at most 64 KB) are optional;
	// Message (at most 64 KB) is required. Longer ones are cut with a note.
	Title, Message, RawDetails string
}

// checkRunCall is a CheckRun checked and shaped for GitHub: what every request of a
// create or update sends.
type checkRunCall struct {
	owner, repo string
	run         CheckRun
	status      *string
	conclusion  *string
	// output is nil when the run's output is left alone; it never holds annotations
	// (withAnnotations adds a batch).
	output      *github.CheckRunOutput
	annotations []*github.CheckRunAnnotation
	truncated   []string // the fields cut to GitHub's limits, for the log
}

// prepareCheckRun checks r and shapes it; nothing is sent when it fails.
func prepareCheckRun(owner, repo string, r CheckRun, create bool) (*checkRunCall, error) {
	c := &checkRunCall{owner: owner, repo: repo, run: r}
	if owner == "" || repo == "" {
		return nil, errors.New("no repository")
	}
	if r.Name == "" {
		return nil, errors.New("a check run needs a name")
	}
	if create {
		if err := CheckSHA(r.HeadSHA); err != nil {
			return nil, err
		}
	}
	switch r.Status {
	case "", CheckQueued, CheckInProgress, CheckCompleted:
	default:
		return nil, fmt.Errorf("status %q is not one of queued, in_progress, completed", r.Status)
	}
	switch r.Conclusion {
	case "":
		if r.Status == CheckCompleted {
			return nil, errors.New("a completed check run needs a conclusion")
		}
		if !r.CompletedAt.IsZero() {
			return nil, errors.New("a check run with a completion time needs a conclusion")
		}
	case ConclusionSuccess, ConclusionFailure, ConclusionNeutral, ConclusionCancelled,
		ConclusionSkipped, ConclusionTimedOut, ConclusionActionRequired:
		if r.Status != "" && r.Status != CheckCompleted {
			return nil, fmt.Errorf("a check run %s has no conclusion (%s)", r.Status, r.Conclusion)
		}
		c.conclusion = github.String(r.Conclusion)
		r.Status = CheckCompleted
	default:
		return nil, fmt.Errorf("conclusion %q is not one a client may set", r.Conclusion)
	}
	if r.Status != "" {
		c.status = github.String(r.Status)
	}
	for i, a := range r.Annotations {
		ga, cut, err := a.shape(r.Root)
		if err != nil {
			return nil, fmt.Errorf("annotation %d of %d: %w", i+1, len(r.Annotations), err)
		}
		for _, f := range cut {
			c.truncated = append(c.truncated, fmt.Sprintf("annotation %d %s", i+1, f))
		}
		c.annotations = append(c.annotations, ga)
	}
	if r.Title != "" || r.Summary != "" || r.Text != "" || len(r.Annotations) > 0 {
		title := r.Title
		if title == "" {
			title = r.Name
		}
		title = c.limit("title", title, githublimit.CheckRunOutputChars, lineNote)
		summary := c.limit("summary", r.Summary, githublimit.CheckRunOutputChars, markdownNote)
		c.output = &github.CheckRunOutput{Title: &title, Summary: &summary} // GitHub requires both
		if r.Text != "" {
			text := c.limit("text", r.Text, githublimit.CheckRunOutputChars, markdownNote)
			c.output.Text = &text
		}
	}
	return c, nil
}

// limit is s cut to limit bytes by capText, noting the field when it was cut.
func (c *checkRunCall) limit(field, s string, limit int, note func(shown, total, limit int) string) string {
	out, cut := capText(s, limit, note)
	if cut {
		c.truncated = append(c.truncated, field)
	}
	return out
}

// shape checks a and shapes it for GitHub; it returns the fields it cut.
func (a Annotation) shape(root string) (*github.CheckRunAnnotation, []string, error) {
	p, err := repoRelative(a.Path, root)
	if err != nil {
		return nil, nil, err
	}
	switch a.Level {
	case AnnotationNotice, AnnotationWarning, AnnotationFailure:
	default:
		return nil, nil, fmt.Errorf("%s: level %q is not one of failure, warning, notice", p, a.Level)
	}
	if a.StartLine < 1 {
		return nil, nil, fmt.Errorf("%s: start line %d (lines start at 1)", p, a.StartLine)
	}
	end := a.EndLine
	if end == 0 {
		end = a.StartLine
	}
	if end < a.StartLine {
		return nil, nil, fmt.Errorf("%s: end line %d before start line %d", p, end, a.StartLine)
	}
	if a.StartColumn < 0 || a.EndColumn < 0 || (a.StartColumn > 0 && a.EndColumn > 0 && a.EndColumn < a.StartColumn) {
		return nil, nil, fmt.Errorf("%s:%d: columns %d to %d", p, a.StartLine, a.StartColumn, a.EndColumn)
	}
	if a.Message == "" {
		return nil, nil, fmt.Errorf("%s:%d: no message", p, a.StartLine)
	}
	var cut []string
	limit := func(field, s string, n int, note func(int, int, int) string) *string {
		if s == "" {
			return nil
		}
		out, c := capText(s, n, note)
		if c {
			cut = append(cut, field)
		}
		return &out
	}
	ga := &github.CheckRunAnnotation{
		Path:            github.String(p),
		StartLine:       github.Int(a.StartLine),
		EndLine:         github.Int(end),
		AnnotationLevel: github.String(a.Level),
		Message:         limit("message", a.Message, githublimit.AnnotationDetailsBytes, markdownNote),
		Title:           limit("title", a.Title, githublimit.AnnotationTitleChars, lineNote),
		RawDetails:      limit("raw details", a.RawDetails, githublimit.AnnotationDetailsBytes, markdownNote),
	}
	if end == a.StartLine { // GitHub takes columns on one line only
		if a.StartColumn > 0 {
			ga.StartColumn = github.Int(a.StartColumn)
		}
		if a.EndColumn > 0 {
			ga.EndColumn = github.Int(a.EndColumn)
		}
	}
	return ga, cut, nil
}

// repoRelative is p as a clean slash-separated path relative to the repository
// root. An absolute p is made relative to root (an absolute checkout path) when it
// is under it, and refused otherwise; so is a path leaving the repository.
func repoRelative(p, root string) (string, error) {
	if p == "" {
		return "", errors.New("no path")
	}
	rel := filepath.ToSlash(p)
	if isAbsPath(p) {
		if root == "" {
			return "", fmt.Errorf("path %q is absolute: give it relative to the repository root (or set CheckRun.Root)", p)
		}
		r, err := filepath.Rel(filepath.Clean(root), filepath.Clean(p))
		r = filepath.ToSlash(r)
		if err != nil || r == ".." || strings.HasPrefix(r, "../") {
			return "", fmt.Errorf("path %q is outside the repository root %q", p, root)
		}
		rel = r
	}
	rel = path.Clean(rel)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("path %q is not a file inside the repository", p)
	}
	return rel, nil
}

// isAbsPath reports whether p is absolute here, or as a Unix or Windows path
// ("/x", `\x`, "C:\x", "C:/x") wherever it was made.
func isAbsPath(p string) bool {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '/' || p[2] == '\\') &&
		('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}

// capText cuts s to at most limit bytes (at a character boundary) and appends
// note's words on the cut, within the limit; it reports whether it cut. Invalid
// UTF-8 is replaced first (JSON would replace it by longer sequences anyway).
// GitHub counts "characters", but bytes in practice: a text of at most limit bytes
// always fits.
func capText(s string, limit int, note func(shown, total, limit int) string) (string, bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= limit {
		return s, false
	}
	budget := max(limit-len(note(limit, len(s), limit)), 0)
	for budget > 0 && !utf8.RuneStart(s[budget]) {
		budget--
	}
	return s[:budget] + note(budget, len(s), limit), true
}

// markdownNote ends a cut Markdown text.
func markdownNote(shown, total, limit int) string {
	return fmt.Sprintf("\n\n… *truncated by kubectl-gitops: %d of %d bytes shown (GitHub's limit is %d)*", shown, total, limit)
}

// lineNote ends a cut one-line text.
func lineNote(int, int, int) string { return " … (truncated)" }

// withAnnotations is c's output carrying batch.
func (c *checkRunCall) withAnnotations(batch []*github.CheckRunAnnotation) *github.CheckRunOutput {
	if c.output == nil {
		return nil
	}
	out := *c.output
	out.Annotations = batch
	return &out
}

// update sends c to run id: status, conclusion and output with the first batch of
// annotations, then the other batches (see addAnnotations). held is how many
// annotations the run holds already (for errors naming the batches).
func (c *checkRunCall) update(ctx context.Context, gh *github.Client, id int64, annotations []*github.CheckRunAnnotation, held int) (*github.CheckRun, error) {
	first, rest := splitBatch(annotations)
	opts := github.UpdateCheckRunOptions{
		Name:       c.run.Name,
		DetailsURL: optional(c.run.DetailsURL),
		ExternalID: optional(c.run.ExternalID),
		Status:     c.status,
		Conclusion: c.conclusion,
		Output:     c.withAnnotations(first),
	}
	if !c.run.CompletedAt.IsZero() {
		opts.CompletedAt = &github.Timestamp{Time: c.run.CompletedAt}
	}
	var run *github.CheckRun
	err := callAPI(ctx, c.what(fmt.Sprintf("update check run %d", id)), c.hints(), func(ctx context.Context) error {
		var err error
		run, _, err = gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, id, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c.addAnnotations(ctx, gh, run, rest, held+len(first))
}

// addAnnotations adds annotations to run in updates of at most 50, in order; sent
// is how many the run holds before them. On failure it returns the run as last
// seen with an error naming the annotations not added.
func (c *checkRunCall) addAnnotations(ctx context.Context, gh *github.Client, run *github.CheckRun, annotations []*github.CheckRunAnnotation, sent int) (*github.CheckRun, error) {
	total := sent + len(annotations)
	for len(annotations) > 0 {
		batch, rest := splitBatch(annotations)
		what := c.what(fmt.Sprintf("add annotations %d-%d of %d to check run %d", sent+1, sent+len(batch), total, run.GetID()))
		opts := github.UpdateCheckRunOptions{Name: c.run.Name, Output: c.withAnnotations(batch)}
		err := callAPI(ctx, what, c.hints(), func(ctx context.Context) error {
			next, _, err := gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, run.GetID(), opts)
			if err == nil {
				run = next
			}
			return err
		})
		if err != nil {
			return run, err
		}
		sent += len(batch)
		annotations = rest
	}
	return run, nil
}

// splitBatch is the first request's worth of annotations and the rest.
func splitBatch(a []*github.CheckRunAnnotation) (batch, rest []*github.CheckRunAnnotation) {
	n := min(len(a), githublimit.CheckRunAnnotationsPerRequest)
	return a[:n], a[n:]
}

// logTruncated says which fields were cut to GitHub's limits: the note in the text
// tells the reader, the log the operator.
func (c *checkRunCall) logTruncated(ctx context.Context) {
	if len(c.truncated) > 0 {
		slog.Default().WarnContext(ctx, "check run text cut to GitHub's limits", "check", c.run.Name,
			"repo", c.owner+"/"+c.repo, "fields", c.truncated)
	}
}

func (c *checkRunCall) what(verb string) string {
	return fmt.Sprintf("%s %s on %s/%s", verb, c.run.Name, c.owner, c.repo)
}

func (c *checkRunCall) hints() map[int]string { return checkHints(c.owner, c.repo, "checks: write") }

// checkHints explains the answers GitHub gives a check run call on owner/repo.
func checkHints(owner, repo, permission string) map[int]string {
	h := repoHints(owner, repo, permission)
	if permission == "checks: write" {
		h[http.StatusForbidden] += " (only a GitHub App's token, such as Actions' GITHUB_TOKEN, may write check runs)"
		h[http.StatusUnprocessableEntity] = "GitHub refused the check run: the head commit may not exist in " +
			owner + "/" + repo + ", or a field breaks GitHub's rules"
	}
	return h
}

// optional is s as an optional field: nil when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
