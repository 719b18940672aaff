package images

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// Update is one field rewritten to a new tag.
type Update struct {
	File       string     `json:"file"`
	Line       int        `json:"line"`
	Object     *object.ID `json:"object,omitempty"`
	Container  string     `json:"container,omitempty"`
	Path       string     `json:"path"`
	Field      FieldKind  `json:"field"`
	Repository string     `json:"repository"` // canonical, e.g. ghcr.io/stefanprodan/podinfo
	From       string     `json:"from"`       // the field's old value
	To         string     `json:"to"`         // the field's new value
	FromTag    string     `json:"fromTag,omitempty"`
	ToTag      string     `json:"toTag"`
	Policy     string     `json:"policy,omitempty"`
	Edit       Edit       `json:"-"`
}

// Where renders "file:line" and the object.
func (u Update) Where() string { return where(u.File, u.Line, u.Object, u.Container) }

// Updates returns the rewrites for the results with StatusUpdate. An image whose bytes
// cannot be rewritten in place becomes an error and the others are kept.
func Updates(results []Result) ([]Update, []error) {
	var (
		out  []Update
		errs []error
	)
	for i := range results {
		r := &results[i]
		if r.Status != StatusUpdate {
			continue
		}
		e, err := r.SetTag(r.Latest)
		if err != nil {
			r.Status, r.Error = StatusError, err.Error()
			errs = append(errs, r.problem(err))
			continue
		}
		out = append(out, newUpdate(&r.Image, e, r.Latest))
	}
	return out, errs
}

func newUpdate(im *Image, e Edit, toTag string) Update {
	to := toTag
	if im.insert == nil {
		to = im.Value[:e.Start-im.span.start] + strings.Trim(e.New, `"`) + im.Value[e.End-im.span.start:]
	}
	return Update{
		File: im.File, Line: im.Line, Object: im.Object, Container: im.Container, Path: im.Path,
		Field: im.Field, Repository: im.Ref.Name(), From: im.Value, To: to,
		FromTag: im.Ref.Tag, ToTag: toTag, Policy: im.Policy, Edit: e,
	}
}

// Apply rewrites files (path → bytes) with updates and returns the changed files only.
func Apply(files map[string][]byte, updates []Update) (map[string][]byte, error) {
	edits := make([]Edit, len(updates))
	for i, u := range updates {
		edits[i] = u.Edit
	}
	return RewriteFiles(files, edits)
}

// Problem is an error tied to a place, in a form for JSON and Markdown reports.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Object  string `json:"object,omitempty"`
	Image   string `json:"image,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Object != "" {
		b.WriteString(p.Object + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems turns scan errors and failed results into one de-duplicated, sorted list.
func Problems(errs []error, results []Result) []Problem {
	seen := map[string]bool{}
	var out []Problem
	add := func(p Problem) {
		k := p.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	for _, err := range errs {
		var me *manifest.Error
		if errors.As(err, &me) {
			add(Problem{File: me.Source.File, Line: me.Source.Line, Object: me.Object, Message: me.Err.Error()})
			continue
		}
		add(Problem{Message: err.Error()})
	}
	for _, r := range results {
		if r.Status != StatusError || r.Err != nil { // scan errors are already in errs
			continue
		}
		p := Problem{File: r.File, Line: r.Line, Image: r.Value, Message: r.Error}
		if r.Object != nil {
			p.Object = r.Object.String()
		}
		if r.Container != "" {
			p.Message = "container " + r.Container + ": " + p.Message
		}
		add(p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// CommitMessage describes updates for a commit: a subject and one line per change.
func CommitMessage(subject string, updates []Update) string {
	var b strings.Builder
	b.WriteString(subject)
	b.WriteString("\n\n")
	lines := map[string]bool{}
	var list []string
	for _, u := range updates {
		l := fmt.Sprintf("- %s: %s -> %s (%s)", u.Repository, orNone(u.FromTag), u.ToTag, u.Where())
		if !lines[l] {
			lines[l] = true
			list = append(list, l)
		}
	}
	b.WriteString(strings.Join(list, "\n"))
	b.WriteString("\n")
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
