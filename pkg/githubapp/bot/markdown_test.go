package bot

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
	"github.com/kubectl-gitops/kubectl-gitops/internal/untrusted"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// testHead is the head commit of the pull request the tests plan.
const testHead = "0123456789abcdef0123456789abcdef01234567"

// untrustedBump is a bump pull request whose images, places and problems are
// untrusted.
func untrustedBump() *bumpGroup {
	id := object.ID{Kind: untrusted.Text, Namespace: untrusted.Text, Name: untrusted.Text}
	res := images.Result{Image: images.Image{File: untrusted.Text, Line: 4, Value: untrusted.Text, Object: &id, Container: untrusted.Text}, Status: images.StatusUpToDate}
	return &bumpGroup{
		name: untrusted.Text, branch: "gitops/image/" + untrusted.Text, repos: []string{untrusted.Text},
		updates: []images.Update{{File: untrusted.Text, Line: 4, Object: &id, Container: untrusted.Text, Repository: untrusted.Text,
			FromTag: untrusted.Text, ToTag: untrusted.Text, Policy: untrusted.Text}},
		results:  []images.Result{res, {Image: res.Image, Status: images.StatusError, Error: untrusted.Text}},
		problems: []images.Problem{{File: untrusted.Text, Line: 4, Object: untrusted.Text, Image: untrusted.Text, Message: untrusted.Text}},
	}
}

// TestMarkdownNeutralisesUntrustedText renders untrusted text with every Markdown
// writer of the bot and plan -o markdown (the Action's comment: pkg/cmd/cmdutil), parses the result as GitHub does, and finds no
// mention, no link the writer did not make, no HTML it did not write, and every
// untrusted value whole.
func TestMarkdownNeutralisesUntrustedText(t *testing.T) {
	const repoURL = "https://github.com/acme/fleet"
	link := func(s manifest.Source) string {
		return fmt.Sprintf("https://github.com/acme/fleet/blob/%s/%s#L%d", testHead, s.File, s.Line)
	}
	target := repoconfig.Target{Name: untrusted.Text, Path: untrusted.Text, Cluster: untrusted.Text}
	writeMarkdown := func(o plan.MarkdownOptions) []string {
		var b bytes.Buffer
		if err := untrusted.Plan().WriteMarkdown(&b, o); err != nil {
			t.Fatal(err)
		}
		return []string{b.String()}
	}
	p := &Planner{}
	tests := []struct {
		name  string
		pages func() []string
	}{
		{"plan -o markdown", func() []string { return writeMarkdown(plan.MarkdownOptions{Title: untrusted.Text, SourceURL: link}) }},
		{"plan -o markdown, cut to fit", func() []string {
			return writeMarkdown(plan.MarkdownOptions{Title: untrusted.Text, SourceURL: link, MaxBytes: 4000})
		}},
		{"the bot's comment", func() []string {
			c := p.planComment(repoURL, testHead)
			c.Add(target.Name, targetTitle(target, true, ""), untrusted.Plan(), nil)
			c.Add(target.Name, targetTitle(target, false, "cluster "+untrusted.Text+" is not granted"), untrusted.Plan(), nil)
			c.Add(target.Name, targetTitle(target, false, ""), nil, errors.New(untrusted.Text))
			return c.Pages(0)
		}},
		{"the bot's comment over several pages", func() []string {
			c := p.planComment(repoURL, testHead)
			c.Add(target.Name, targetTitle(target, true, ""), untrusted.Plan(), nil)
			return c.Pages(3000)
		}},
		{"the bot's comment cut at its last page", func() []string {
			c := p.planComment(repoURL, testHead)
			c.MaxPages = 2
			c.Add(target.Name, targetTitle(target, true, ""), untrusted.Plan(), nil)
			c.Add(target.Name, targetTitle(target, true, ""), untrusted.Plan(), nil)
			pages := c.Pages(3000)
			if !strings.Contains(pages[len(pages)-1], "left out here") {
				t.Errorf("the comment is not cut:\n%s", pages[len(pages)-1])
			}
			return pages
		}},
		{"the bump pull request's body", func() []string {
			return []string{bumpBody(untrustedBump(), repoURL, untrusted.Text)}
		}},
		{"the bump pull request's body, problems rewritten", func() []string {
			return []string{withProblems(bumpBody(untrustedBump(), repoURL, untrusted.Text), untrustedBump().problems)}
		}},
		{"the bump pull request's closing comment", func() []string { return []string{closeComment(untrustedBump(), untrusted.Text)} }},
		{"the superseded bump's closing comment", func() []string { return []string{supersededComment(untrusted.Text, untrusted.Text)} }},
	}
	opts := mdcheck.Options{
		LinkHosts: []string{"github.com"},
		Value:     untrusted.Text,
		Comments:  []*regexp.Regexp{regexp.MustCompile(`^ kubectl-gitops:[a-z-]+ $`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := tt.pages()
			for i, page := range pages {
				if !strings.Contains(page, "PWN") {
					t.Errorf("page %d shows no untrusted.Text value: the test tests nothing", i+1)
				}
				for _, problem := range mdcheck.Check(page, opts) {
					t.Errorf("page %d: %s", i+1, problem)
				}
			}
			if t.Failed() {
				t.Logf("the Markdown:\n%s", strings.Join(pages, "\n----- next page -----\n"))
			}
		})
	}
}
