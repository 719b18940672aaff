package plan

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

func TestWriteMarkdown(t *testing.T) {
	p := samplePlan(t)
	p.Problems = []Problem{{ID: &p.Changes[1].ID, Source: p.Changes[1].Source, Message: `unknown field "spec.foo"`}}
	p.Repository, p.Paths = "https://github.com/acme/shop.git", []string{"apps"}
	got := markdown(t, p, MarkdownOptions{})
	want := "## kubectl gitops plan\n" +
		"\n" +
		"**Source:** `acme/shop` · `apps` · `4f2c1e9`\n" +
		"\n" +
		"**1 problem** (nothing will be applied), **2** to create, **1** to update, **1** to delete, 1 unchanged, 1 skipped\n" +
		"\n" +
		"### Problems\n" +
		"\n" +
		"- `apps/cfg.yaml:1` `ConfigMap shop/cfg`: unknown field \"spec.foo\"\n" +
		"\n" +
		"### Changes\n" +
		"\n" +
		"| Action | Object | Source | Details |\n" +
		"| --- | --- | --- | --- |\n" +
		"| create | `Service shop/redis` | `apps/redis.yaml:3` |  |\n" +
		"| update | `ConfigMap shop/cfg` | `apps/cfg.yaml:1` |  |\n" +
		"| delete | `Deployment.apps shop/old` |  |  |\n" +
		"| skip | `ConfigMap shop/manual` | `apps/manual.yaml:1` | ignored by annotation kubectl-gitops.io/ignore |\n" +
		"| create | `Widget.example.com shop/w` | `crds/widget.yaml:12` | unverifiable until the CRD exists |\n" +
		"\n" +
		"### Diffs\n" +
		"\n" +
		"<details><summary>create <code>Service shop/redis</code></summary>\n" +
		"\n" +
		"```diff\n" +
		"--- live/Service shop/redis\n" +
		"+++ git/Service shop/redis\n" +
		"@@ -0,0 +1,8 @@\n" +
		"+apiVersion: v1\n" +
		"+kind: Service\n" +
		"+metadata:\n" +
		"+  name: redis\n" +
		"+  namespace: shop\n" +
		"+spec:\n" +
		"+  ports:\n" +
		"+  - port: 6379\n" +
		"```\n" +
		"\n" +
		"</details>\n" +
		"\n" +
		"<details><summary>update <code>ConfigMap shop/cfg</code></summary>\n" +
		"\n" +
		"```diff\n" +
		"--- live/ConfigMap shop/cfg\n" +
		"+++ git/ConfigMap shop/cfg\n" +
		"@@ -1,6 +1,6 @@\n" +
		" apiVersion: v1\n" +
		" data:\n" +
		"-  color: blue\n" +
		"+  color: green\n" +
		"   size: L\n" +
		" kind: ConfigMap\n" +
		" metadata:\n" +
		"```\n" +
		"\n" +
		"</details>\n" +
		"\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteMarkdownExecuted(t *testing.T) {
	got := markdown(t, executedPlan(t), MarkdownOptions{Title: "Deploy to prod"})
	for _, want := range []string{
		"## Deploy to prod\n",
		"**1 failed**, **2** created, **1** deleted, 1 unchanged, 1 skipped\n",
		"| update | `ConfigMap shop/cfg` | `apps/cfg.yaml:1` | **FAILED**: admission webhook \"check.acme.io\" denied the request: color green is not allowed |\n",
		"| delete | `Deployment.apps shop/old` |  | deleted |\n",
		"| create | `Widget.example.com shop/w` | `crds/widget.yaml:12` | unverifiable until the CRD exists; applied |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestWriteMarkdownNoChanges(t *testing.T) {
	got := markdown(t, &Plan{Changes: []Change{{ID: object.ID{Kind: "Namespace", Name: "shop"}, Action: Unchanged}}}, MarkdownOptions{})
	if !strings.Contains(got, "\nNo changes.\n") || strings.Contains(got, "### Changes") || strings.Contains(got, "Namespace") {
		t.Errorf("got:\n%s", got)
	}
}

// Text from manifests and the cluster cannot break the tables or inject Markdown.
func TestWriteMarkdownEscapes(t *testing.T) {
	id := object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "cfg"}
	p := &Plan{
		Changes: []Change{{
			ID: id, Action: Update, Source: manifest.Source{File: "odd|name`s.yaml", Line: 2},
			Diff: "--- live/x\n+++ git/x\n@@ -1 +1 @@\n-readme: |\n+  ```\n+  </details>\n",
		}, {
			ID: object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "other"}, Action: Skip,
			Reason: "ignored | *really* <b>now</b>\nsecond line",
		}},
		Problems: []Problem{{Message: "bad [link](http://x) and ```fence``` | pipe\n# heading"}},
	}
	got := markdown(t, p, MarkdownOptions{Title: "plan | <b>x</b>"})
	for _, want := range []string{
		"## plan \\| \\<b\\>x\\</b\\>\n",
		"| update | `ConfigMap shop/cfg` | ``odd\\|name`s.yaml:2`` |  |\n",
		"| skip | `ConfigMap shop/other` |  | ignored \\| \\*really\\* \\<b\\>now\\</b\\> second line |\n",
		"- bad \\[link\\](http:\u200b//x) and \\`\\`\\`fence\\`\\`\\` \\| pipe \\# heading\n",
		"````diff\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestWriteMarkdownTooSmall(t *testing.T) {
	var b strings.Builder
	err := samplePlan(t).WriteMarkdown(&b, MarkdownOptions{MaxBytes: 100})
	if err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("err = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes on error", b.Len())
	}
}

// bigPlan has n updates of ConfigMaps whose diffs are about size bytes each (the
// i-th grows with i, so "largest first" is well defined), and one huge diff.
func bigPlan(t *testing.T, n, size int) *Plan {
	t.Helper()
	p := &Plan{SchemaVersion: SchemaVersion}
	for i := 0; i < n; i++ {
		live := configMap(fmt.Sprintf("cm-%03d", i), size/40+i, "old")
		git := configMap(fmt.Sprintf("cm-%03d", i), size/40+i, "new")
		p.Changes = append(p.Changes, Change{
			ID: object.IDOf(git), Action: Update,
			Source: manifest.Source{File: fmt.Sprintf("apps/cm-%03d.yaml", i), Line: 1},
			Diff:   mustDiff(t, live, git),
		})
	}
	huge := configMap("huge", 8000, "v")
	p.Changes = append(p.Changes, Change{ID: object.IDOf(huge), Action: Create, Diff: mustDiff(t, nil, huge)})
	return p
}

// configMap has keys values, each line of its YAML about 20 bytes.
func configMap(name string, keys int, value string) *unstructured.Unstructured {
	data := map[string]interface{}{}
	for k := 0; k < keys; k++ {
		data[fmt.Sprintf("key-%05d", k)] = fmt.Sprintf("%s-%d", value, k)
	}
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": name, "namespace": "shop"},
		"data":     data,
	}}
}

func TestWriteMarkdownTruncates(t *testing.T) {
	p := bigPlan(t, 30, 4000) // about 30 × 8 KB + 250 KB of diffs
	got := markdown(t, p, MarkdownOptions{})
	if len(got) > DefaultMarkdownMaxBytes {
		t.Fatalf("%d bytes, limit %d", len(got), DefaultMarkdownMaxBytes)
	}
	if len(got) < DefaultMarkdownMaxBytes*9/10 {
		t.Errorf("only %d of %d bytes used", len(got), DefaultMarkdownMaxBytes)
	}
	shown := strings.Count(got, "<details>")
	truncated := strings.Count(got, "_Diff truncated: ")
	omitted := len(p.Changes) - shown
	if omitted == 0 {
		t.Fatal("nothing omitted")
	}
	note := fmt.Sprintf("> **Note:** %d diffs omitted", omitted)
	if truncated > 0 {
		note += fmt.Sprintf(" and %d truncated", truncated)
	}
	note += " to fit GitHub's 65,536-character limit; run `kubectl gitops plan` locally for the full diff.\n"
	if !strings.Contains(got, note) {
		t.Errorf("output lacks the note %q", note)
	}
	// The huge diff goes first; the table still lists every object.
	if strings.Contains(got, "<summary>create <code>ConfigMap shop/huge</code>") && truncated == 0 {
		t.Error("the largest diff was kept whole")
	}
	for _, ch := range p.Changes {
		if !strings.Contains(got, "| `"+ch.ID.String()+"` |") {
			t.Errorf("table lacks %s", ch.ID)
		}
	}
	// The diffs kept are the smallest ones: the i-th ConfigMap's grows with i.
	if !strings.Contains(got, "<summary>update <code>ConfigMap shop/cm-000</code>") {
		t.Error("the smallest diff was left out")
	}
}

// Whatever the limit, the output fits and stays well-formed Markdown.
func TestWriteMarkdownBound(t *testing.T) {
	p := bigPlan(t, 60, 1500)
	for i := 0; i < 200; i++ {
		p.Problems = append(p.Problems, Problem{Source: manifest.Source{File: fmt.Sprintf("bad-%03d.yaml", i), Line: 1}, Message: "invalid | value"})
	}
	for _, limit := range []int{3000, 4096, 5000, 8000, 12345, 20000, 40000, 65536, 100000, 1 << 20} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			got := markdown(t, p, MarkdownOptions{MaxBytes: limit})
			if len(got) > limit {
				t.Fatalf("%d bytes, limit %d", len(got), limit)
			}
			if limit <= 40000 && !strings.Contains(got, "> **Note:** ") {
				t.Error("no note although things were left out")
			}
			if limit == 100000 && !strings.Contains(noteOf(got), "to fit the 100,000-byte limit;") {
				t.Errorf("note names the wrong limit: %s", noteOf(got))
			}
			if limit == 1<<20 && (noteOf(got) != "" || strings.Count(got, "<details>") != len(p.Changes)) {
				t.Errorf("everything fits in 1 MiB, yet: %s", noteOf(got))
			}
			if limit < 8000 && !strings.Contains(got, "more objects not listed") {
				t.Errorf("rows not truncated at %d bytes: %s", limit, noteOf(got))
			}
		})
	}
}

func noteOf(md string) string {
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "> **Note:**") {
			return l
		}
	}
	return ""
}

// markdown renders p and checks that the result is well-formed: fences and
// <details> balanced, every table row with as many cells as its header.
func markdown(t *testing.T, p *Plan, o MarkdownOptions) string {
	t.Helper()
	var b strings.Builder
	if err := p.WriteMarkdown(&b, o); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if err := checkMarkdown(md); err != nil {
		t.Fatalf("%v\n%s", err, md)
	}
	return md
}

var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func checkMarkdown(md string) error {
	fence, details, cells := "", 0, 0
	for i, l := range strings.Split(md, "\n") {
		if fence != "" {
			if strings.TrimRight(l, "`") == "" && len(l) >= len(fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(l, "```") {
			fence = l[:len(l)-len(strings.TrimLeft(l, "`"))]
			continue
		}
		details += strings.Count(l, "<details>") - strings.Count(l, "</details>")
		if details < 0 || details > 1 {
			return fmt.Errorf("line %d: <details> nesting %d", i+1, details)
		}
		if !strings.HasPrefix(l, "|") {
			cells = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(strings.ReplaceAll(l, "||", "| |"), -1))
		if cells == 0 {
			cells = n
		} else if n != cells {
			return fmt.Errorf("line %d: %d cell separators, header has %d: %q", i+1, n, cells, l)
		}
	}
	if fence != "" {
		return fmt.Errorf("code fence %q not closed", fence)
	}
	if details != 0 {
		return fmt.Errorf("%d <details> not closed", details)
	}
	return nil
}

func TestCheckMarkdown(t *testing.T) {
	for _, bad := range []string{
		"```diff\n+x\n",
		"<details><summary>x</summary>\n\n",
		"| a | b |\n| --- | --- |\n| x | y | z |\n",
		"| a | b |\n| --- | --- |\n| x|y | z |\n",
	} {
		if checkMarkdown(bad) == nil {
			t.Errorf("checkMarkdown accepts %q", bad)
		}
	}
}
