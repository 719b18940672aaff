package plancomment

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

func TestTitle(t *testing.T) {
	for head, want := range map[string]string{
		testSHA:   "kubectl gitops plan for `0123456`",
		"abc":     "kubectl gitops plan for `abc`",
		"":        "kubectl gitops plan for ``",
		"0123456": "kubectl gitops plan for `0123456`",
	} {
		if got := Title(head); got != want {
			t.Errorf("Title(%q) = %q, want %q", head, got, want)
		}
	}
}

// Add heads a target's plan with its title and links its sources to the file at
// the head commit; a target that could not be planned shows its error instead.
func TestAdd(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{{ID: object.ID{Kind: "ConfigMap", Namespace: "ns", Name: "cm"}, Action: plan.Create,
		Source: manifest.Source{File: "apps/cm.yaml", Line: 4}}}}
	tests := []struct {
		name     string
		repoURL  string
		head     string
		err      error
		want     []string // in the first page
		wantNot  []string
		wantSumm string
	}{
		{"linked to the head", "https://github.com/o/r", testSHA, nil,
			[]string{"## kubectl gitops plan for `0123456`: prod (live)\n\n**Source:** [`o/r`](https://github.com/o/r)",
				"\n**1** to create, 0 unchanged\n\n### Changes\n", "](https://github.com/o/r/blob/" + testSHA + "/apps/cm.yaml#L4)"}, nil, "1 to create, 0 unchanged"},
		{"no head: not linked", "https://github.com/o/r", "", nil, []string{": prod (live)\n", "apps/cm.yaml:4"}, []string{"/blob/"}, "1 to create, 0 unchanged"},
		{"failed", "https://github.com/o/r", testSHA, errors.New("clone: repository not found"),
			[]string{"## kubectl gitops plan for `0123456`: prod\n\n**The plan failed:** clone: repository not found"}, []string{"(live)"}, "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.repoURL, tt.head)
			c.Add("prod", "prod (live)", p, tt.err)
			page := c.Pages(0)[0]
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page does not say %q:\n%s", w, page)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("the page says %q:\n%s", w, page)
				}
			}
			if got := c.Summary(); got != tt.wantSumm {
				t.Errorf("Summary() = %q, want %q", got, tt.wantSumm)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	c := New("", testSHA)
	c.Add("prod", "", &plan.Plan{Changes: []plan.Change{{Action: plan.Update}}}, nil)
	c.Add("staging", "", nil, errors.New("no cluster"))
	if got, want := c.Summary(), "prod: 1 to update, 0 unchanged; staging: failed"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if got, want := PlainSummary("**2** to create, **1** to update"), "2 to create, 1 to update"; got != want {
		t.Errorf("PlainSummary() = %q, want %q", got, want)
	}
}

// A file named by a repository stays a path of that repository: it cannot add a
// query or a fragment, or climb out of it.
func TestBlobURL(t *testing.T) {
	tests := []struct {
		repoURL, ref, file string
		line               int
		want               string
	}{
		{"https://github.com/o/r", "main", "apps/cm.yaml", 3, "https://github.com/o/r/blob/main/apps/cm.yaml#L3"},
		{"https://github.com/o/r/", testSHA, "/apps/cm.yaml", 0, "https://github.com/o/r/blob/" + testSHA + "/apps/cm.yaml"},
		{"https://ghe.example/o/r", "gitops/image/a b", "x y/../#?q.yaml", 1, "https://ghe.example/o/r/blob/gitops/image/a%20b/x%20y/%2E%2E/%23%3Fq.yaml#L1"},
		{"https://github.com/o/r", "main", "./../../evil", 0, "https://github.com/o/r/blob/main/%2E/%2E%2E/%2E%2E/evil"},
	}
	for _, tt := range tests {
		if got := BlobURL(tt.repoURL, tt.ref, tt.file, tt.line); got != tt.want {
			t.Errorf("BlobURL(%q, %q, %q, %d) = %q, want %q", tt.repoURL, tt.ref, tt.file, tt.line, got, tt.want)
		}
	}
}
