package bot

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// testHead is the head commit of the pull request the tests plan.
const testHead = "0123456789abcdef0123456789abcdef01234567"

// untrusted is what a repository (a fork's pull request above all) may put in any
// field that reaches a comment or a pull request body: mentions, URLs, an e-mail
// address, issue references, HTML, a comment that would hide the sticky comment's
// marker, Markdown that would close a table cell, open a link or a code span.
const untrusted = "PWN @org/team @octocat (@octocat) https://x.example www.x.example a@x.example &#64;octo #12 GH-7 " +
	"x|y ``` `t` <!-- c --> <b>bold</b> [l](https://x.example) ![i](https://x.example/i.png) *e* _u_ ~s~ $m$ \\ \n- line2 NWP"

// untrustedPlan is a plan where every field is untrusted.
func untrustedPlan() *plan.Plan {
	id := object.ID{Group: untrusted, Kind: untrusted, Namespace: untrusted, Name: untrusted}
	src := manifest.Source{File: untrusted, Line: 3}
	diff := "@@ -1 +1 @@\n-  name: old\n+  name: " + strings.Join(strings.Fields(untrusted), " ") + "\n+ `````\n"
	return &plan.Plan{
		Source: untrusted, Revision: untrusted,
		Problems: []plan.Problem{{ID: &id, Source: src, Message: untrusted}, {Message: untrusted}},
		Changes: []plan.Change{
			{ID: id, Action: plan.Create, Source: src, Diff: diff, Reason: untrusted},
			{ID: id, Action: plan.Update, Source: src, Diff: diff, Result: plan.Failed, Error: untrusted},
			{ID: id, Action: plan.Skip, Source: src, Reason: untrusted},
			{ID: id, Action: plan.Delete, Diff: diff},
		},
	}
}

// untrustedBump is a bump pull request whose images, places and problems are
// untrusted.
func untrustedBump() *bumpGroup {
	id := object.ID{Kind: untrusted, Namespace: untrusted, Name: untrusted}
	res := images.Result{Image: images.Image{File: untrusted, Line: 4, Value: untrusted, Object: &id, Container: untrusted}, Status: images.StatusUpToDate}
	return &bumpGroup{
		name: untrusted, branch: "gitops/image/" + untrusted, repos: []string{untrusted},
		updates: []images.Update{{File: untrusted, Line: 4, Object: &id, Container: untrusted, Repository: untrusted,
			FromTag: untrusted, ToTag: untrusted, Policy: untrusted}},
		results:  []images.Result{res, {Image: res.Image, Status: images.StatusError, Error: untrusted}},
		problems: []images.Problem{{File: untrusted, Line: 4, Object: untrusted, Image: untrusted, Message: untrusted}},
	}
}

// TestMarkdownNeutralisesUntrustedText renders untrusted text with every Markdown
// writer of the bot and the plugin, parses the result as GitHub does, and finds no
// mention, no link the writer did not make, no HTML it did not write, and every
// untrusted value whole.
func TestMarkdownNeutralisesUntrustedText(t *testing.T) {
	const repoURL = "https://github.com/acme/fleet"
	link := func(s manifest.Source) string {
		return fmt.Sprintf("https://github.com/acme/fleet/blob/%s/%s#L%d", testHead, s.File, s.Line)
	}
	target := githubapp.Target{Name: untrusted, Path: untrusted, Cluster: untrusted}
	writeMarkdown := func(o plan.MarkdownOptions) []string {
		var b bytes.Buffer
		if err := untrustedPlan().WriteMarkdown(&b, o); err != nil {
			t.Fatal(err)
		}
		return []string{b.String()}
	}
	p := &Planner{}
	tests := []struct {
		name  string
		pages func() []string
	}{
		{"plan -o markdown", func() []string { return writeMarkdown(plan.MarkdownOptions{Title: untrusted, SourceURL: link}) }},
		{"plan -o markdown, cut to fit", func() []string {
			return writeMarkdown(plan.MarkdownOptions{Title: untrusted, SourceURL: link, MaxBytes: 4000})
		}},
		{"the bot's comment", func() []string {
			c := p.planComment(repoURL, testHead)
			c.Add(target.Name, targetTitle(target, true, ""), untrustedPlan(), nil)
			c.Add(target.Name, targetTitle(target, false, "cluster "+untrusted+" is not granted"), untrustedPlan(), nil)
			c.Add(target.Name, targetTitle(target, false, ""), nil, errors.New(untrusted))
			return c.Pages(0)
		}},
		{"the bot's comment over several pages", func() []string {
			c := p.planComment(repoURL, testHead)
			c.Add(target.Name, targetTitle(target, true, ""), untrustedPlan(), nil)
			return c.Pages(3000)
		}},
		{"the bot's comment cut at its last page", func() []string {
			c := p.planComment(repoURL, testHead)
			c.MaxPages = 2
			c.Add(target.Name, targetTitle(target, true, ""), untrustedPlan(), nil)
			c.Add(target.Name, targetTitle(target, true, ""), untrustedPlan(), nil)
			pages := c.Pages(3000)
			if !strings.Contains(pages[len(pages)-1], "left out here") {
				t.Errorf("the comment is not cut:\n%s", pages[len(pages)-1])
			}
			return pages
		}},
		{"the Action's comment", func() []string {
			o := cmdutil.CommentOptions{Name: untrusted}
			c := o.PlanComment(untrustedPlan(), untrusted)
			return c.Pages(0)
		}},
		{"the bump pull request's body", func() []string {
			return []string{bumpBody(untrustedBump(), repoURL, untrusted)}
		}},
		{"the bump pull request's body, problems rewritten", func() []string {
			return []string{withProblems(bumpBody(untrustedBump(), repoURL, untrusted), untrustedBump().problems)}
		}},
		{"the bump pull request's closing comment", func() []string { return []string{closeComment(untrustedBump(), untrusted)} }},
		{"the superseded bump's closing comment", func() []string { return []string{supersededComment(untrusted, untrusted)} }},
	}
	opts := mdcheck.Options{
		LinkHosts: []string{"github.com"},
		Value:     untrusted,
		Comments:  []*regexp.Regexp{regexp.MustCompile(`^ kubectl-gitops:[a-z-]+ $`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := tt.pages()
			for i, page := range pages {
				if !strings.Contains(page, "PWN") {
					t.Errorf("page %d shows no untrusted value: the test tests nothing", i+1)
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
