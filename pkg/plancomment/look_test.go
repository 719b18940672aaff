package plancomment

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// secretValue is a Secret's value in the plans below: no rendering may show it.
const secretValue = "hunter2-t0ps3cr3t"

const lookRepo = "https://github.com/acme/fleet"

func lookObj(kind, name string, data map[string]interface{}, labels map[string]interface{}) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": kind,
		"metadata": map[string]interface{}{"name": name, "namespace": "shop", "labels": labels}}}
	for k, v := range data {
		u.Object[k] = v
	}
	return u
}

func lookDiff(t *testing.T, id object.ID, before, after *unstructured.Unstructured) string {
	t.Helper()
	d, err := plan.UnifiedDiff(id, before, after)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lookPlans are the plans a reader meets: a small one, Secrets changed, problems, a
// plan too long for one comment, an image bump with a prune.
func lookPlans(t *testing.T) map[string]*plan.Plan {
	member := map[string]interface{}{inventory.LabelPartOf: "applyset-abc-v1", "app": "web"}
	base := func() *plan.Plan {
		return &plan.Plan{Repository: "acme/fleet", Paths: []string{"clusters/prod"}, Revision: testSHA, Source: "/tmp/kubectl-gitops-clone-123"}
	}
	small := base()
	cm := object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "settings"}
	small.Changes = []plan.Change{{ID: cm, Action: plan.Update, Source: manifest.Source{File: "clusters/prod/settings.yaml", Line: 3},
		Diff: lookDiff(t, cm, lookObj("ConfigMap", "settings", map[string]interface{}{"data": map[string]interface{}{"color": "blue"}}, member),
			lookObj("ConfigMap", "settings", map[string]interface{}{"data": map[string]interface{}{"color": "green"}}, member))},
		{ID: object.ID{Kind: "Namespace", Name: "shop"}, Action: plan.Unchanged}}

	secrets := base()
	sid := object.ID{Kind: "Secret", Namespace: "shop", Name: "db"}
	secrets.Changes = []plan.Change{{ID: sid, Action: plan.Update, Source: manifest.Source{File: "clusters/prod/db.yaml", Line: 1},
		Diff: lookDiff(t, sid, lookObj("Secret", "db", map[string]interface{}{"stringData": map[string]interface{}{"password": "old-" + secretValue}}, member),
			lookObj("Secret", "db", map[string]interface{}{"stringData": map[string]interface{}{"password": secretValue, "user": "app"}}, member))}}

	problems := base()
	problems.Problems = []plan.Problem{{Source: manifest.Source{File: "clusters/prod/kustomization.yaml"},
		Message: "kustomize build: accumulating resources: accumulating resources from '../../base': recursed accumulation of path 'base': " +
			"accumulating resources: accumulating resources from 'web.yaml': MalformedYAMLError: yaml: line 7: did not find expected key in File: web.yaml"},
		{ID: &cm, Source: manifest.Source{File: "clusters/prod/settings.yaml", Line: 9}, Message: "defined twice: also at clusters/prod/old.yaml:1"}}

	paged := bigPlan(300, 20)
	paged.Repository, paged.Paths = "acme/fleet", []string{"clusters/prod"}

	bump := base()
	web := object.ID{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}
	dep := func(image string) *unstructured.Unstructured {
		u := lookObj("Deployment", "web", map[string]interface{}{"spec": map[string]interface{}{"template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "web", "image": image}}}}}}, member)
		u.SetAPIVersion("apps/v1")
		return u
	}
	old := object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "old-settings"}
	bump.Changes = []plan.Change{
		{ID: web, APIVersion: "apps/v1", Action: plan.Update, Source: manifest.Source{File: "clusters/prod/web.yaml", Line: 1},
			Diff: lookDiff(t, web, dep("ghcr.io/acme/web:1.4.2"), dep("ghcr.io/acme/web:1.5.0")), Live: dep("ghcr.io/acme/web:1.4.2")},
		{ID: old, Action: plan.Delete, Diff: lookDiff(t, old, lookObj("ConfigMap", "old-settings", map[string]interface{}{"data": map[string]interface{}{"a": "1"}}, member), nil)},
	}
	return map[string]*plan.Plan{"small": small, "secrets": secrets, "problems": problems, "paged": paged, "bump": bump}
}

var markerRE = regexp.MustCompile(`^ kubectl-gitops:`)

// checkLook checks what a reader relies on in md, one page: its structure (code
// blocks and <details> closed, no raw HTML but theirs), one level-2 heading that
// opens it, links to files only at the head commit and at a line, no Secret value.
func checkLook(t *testing.T, what, md string) mdcheck.Outline {
	t.Helper()
	o, problems := mdcheck.Structure(md, markerRE)
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
	top := 0
	for _, h := range o.Headings {
		if h.Level <= 2 {
			top++
		}
	}
	if top != 1 || len(o.Headings) == 0 || o.Headings[0].Level != 2 {
		t.Errorf("%s: want one level-2 heading first, got %+v", what, o.Headings)
	}
	for _, l := range o.Links {
		if strings.Contains(l, "/blob/") && (!strings.Contains(l, "/blob/"+testSHA+"/") || !regexp.MustCompile(`#L\d+$`).MatchString(l)) {
			t.Errorf("%s: a link to a file not at the head commit's line: %s", what, l)
		}
	}
	for _, bad := range []string{secretValue, "/tmp/", "applyset.kubernetes.io/part-of", "No changes."} {
		if strings.Contains(md, bad) {
			t.Errorf("%s: shows %q", what, bad)
		}
	}
	return o
}

// TestPlanLooks renders each plan as every writer shows it (the comment of the bot and
// the Action, the job summary and `-o markdown`, a check run) and checks its
// structure as GitHub renders it; then shows the comments in Chromium, styled like
// GitHub, and keeps the screenshots (test-output/TestPlanLooks/).
func TestPlanLooks(t *testing.T) {
	plans := lookPlans(t)
	var gallery strings.Builder
	for _, name := range []string{"small", "secrets", "problems", "paged", "bump"} {
		p := plans[name]
		c := New(lookRepo, testSHA)
		c.Add("prod", "prod (live: dry-run against cluster prod-eu)", p, nil)
		pages := c.Pages(0)
		if (name == "paged") != (len(pages) > 1) {
			t.Errorf("%s: %d pages", name, len(pages))
		}
		for i, page := range pages {
			o := checkLook(t, fmt.Sprintf("%s comment page %d", name, i+1), page)
			if i == 0 {
				wantHead := "kubectl gitops plan for 0123456: prod (live: dry-run against cluster prod-eu)"
				if o.Headings[0].Text != wantHead {
					t.Errorf("%s: heading %q, want %q", name, o.Headings[0].Text, wantHead)
				}
				if !strings.Contains(page, "**Source:** [`acme/fleet`](https://github.com/acme/fleet) · [`clusters/prod`](https://github.com/acme/fleet/tree/"+testSHA+"/clusters/prod) · [`0123456`](https://github.com/acme/fleet/commit/"+testSHA+")") && name != "paged" {
					t.Errorf("%s: no source line:\n%.600s", name, page)
				}
				if name != "paged" {
					gallery.WriteString(o.HTML + "\n<hr>\n")
				}
			}
			if strings.Count(page, p.SummaryMarkdown()) > 1 {
				t.Errorf("%s: the counts twice", name)
			}
		}
		var md strings.Builder
		if err := p.WriteMarkdown(&md, c.MarkdownOptions("kubectl gitops plan")); err != nil {
			t.Fatal(err)
		}
		checkLook(t, name+" job summary", md.String())
		chk := NewCheck("prod", p, nil, c.MarkdownOptions("prod (live)"))
		checkLook(t, name+" check summary", chk.Summary)
		if name == "problems" {
			if chk.Notes[0].File != "base/web.yaml" || chk.Notes[0].Line != 7 {
				t.Errorf("the Kustomize problem is annotated at %s:%d", chk.Notes[0].File, chk.Notes[0].Line)
			}
			if !strings.Contains(md.String(), "- [`base/web.yaml:7`](https://github.com/acme/fleet/blob/"+testSHA+"/base/web.yaml#L7) did not find expected key\n") {
				t.Errorf("the Kustomize problem does not lead with its file:line and cause:\n%s", md.String())
			}
		}
	}

	// Several targets: one heading per plan.
	c := New(lookRepo, testSHA)
	c.Add("dev", "dev (live: dry-run against cluster dev)", plans["small"], nil)
	c.Add("preview", "preview (offline)", plans["bump"], nil)
	c.Add("prod", "prod (live)", plans["problems"], nil)
	pages := c.Pages(0)
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	o := checkLook(t, "three targets", pages[0])
	var plansHeads []string
	for _, h := range o.Headings {
		if h.Level == 3 {
			plansHeads = append(plansHeads, h.Text)
		}
	}
	if strings.Join(plansHeads, "|") != "dev (live: dry-run against cluster dev)|preview (offline)|prod (live)" {
		t.Errorf("plan headings: %q", plansHeads)
	}
	gallery.WriteString(o.HTML)

	page := filepath.Join(t.TempDir(), "comments.html")
	if err := os.WriteFile(page, []byte(mdcheck.GitHubPage("Plan comments", gallery.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name string
		opt  browsertest.Option
	}{{"desktop", browsertest.WithWindow(1012, 3000)}, {"phone", browsertest.Phone}} {
		pg := browsertest.Load(t, "file://"+page, size.opt, browsertest.WithScreenshot(size.name+".png"))
		if len(pg.ElementsByTag("details")) == 0 || strings.Contains(pg.Text(), secretValue) || strings.Contains(pg.Text(), "<details>") {
			t.Errorf("%s: the page does not read as it should: %.300s", size.name, pg.Text())
		}
	}
}

// DocsImageEnv, when set (by `make docs`), names the PNG TestPlanCommentPicture
// writes for the README: a plan comment as GitHub shows it.
const DocsImageEnv = "GITOPS_DOCS_IMAGE"

// TestPlanCommentPicture shows one plan comment (a ConfigMap and a Secret changed, an
// image bumped, an object pruned) in Chromium, the image's diff open, and keeps the
// screenshot; with $GITOPS_DOCS_IMAGE it is copied there too.
func TestPlanCommentPicture(t *testing.T) {
	plans := lookPlans(t)
	p := plans["bump"]
	p.Changes = append(append([]plan.Change{}, plans["small"].Changes[0], plans["secrets"].Changes[0]), p.Changes...)
	p.Sort()
	c := New(lookRepo, testSHA)
	c.Footer = "\n_Comment `/gitops plan` to plan again._\n"
	c.Add("prod", "prod (live: dry-run against cluster prod-eu)", p, nil)
	pages := c.Pages(0)
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	o := checkLook(t, "the comment", pages[0])
	// As a reader who clicked the image bump's diff sees it.
	body := strings.Replace(o.HTML, "<details><summary>update <code>Deployment", "<details open><summary>update <code>Deployment", 1)
	page := filepath.Join(t.TempDir(), "comment.html")
	if err := os.WriteFile(page, []byte(mdcheck.GitHubPage("Plan comment", body)), 0o644); err != nil {
		t.Fatal(err)
	}
	pg := browsertest.Load(t, "file://"+page, browsertest.WithWindow(900, 960), browsertest.WithScreenshot("plan-comment.png"))
	if len(pg.ElementsByTag("table")) != 1 || strings.Contains(pg.Text(), secretValue) {
		t.Errorf("the comment does not read as it should: %.300s", pg.Text())
	}
	if dst := os.Getenv(DocsImageEnv); dst != "" {
		b, err := os.ReadFile(pg.Screenshot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatalf("%s: %v", DocsImageEnv, err)
		}
	}
}
