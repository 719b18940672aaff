package mdcheck

import (
	"strings"
	"testing"
)

func TestStructure(t *testing.T) {
	good := "## Plan\n\n**Source:** [`o/r`](https://github.com/o/r)\n\n### Problems\n\n" +
		"- `a.yaml:4` bad\n\n  <details><summary>whole</summary>\n\n  ```text\n  long\n  ```\n\n  </details>\n\n" +
		"### Diffs\n\n<details><summary>update <code>ConfigMap a/b</code></summary>\n\n```diff\n-a\n+b\n```\n\n</details>\n\n"
	o, problems := Structure(good)
	if len(problems) > 0 {
		t.Errorf("problems in a good document: %v", problems)
	}
	if len(o.Headings) != 3 || o.Headings[0] != (Heading{2, "Plan"}) || len(o.Links) != 1 || !strings.Contains(o.HTML, "<details>") {
		t.Errorf("outline: %+v", o)
	}
	for name, md := range map[string]string{
		"open fence":   "## x\n\n```diff\n-a\n",
		"open details": "## x\n\n<details><summary>s</summary>\n\nbody\n",
		"raw html":     "## x\n\nsome <b>bold</b> text\n",
		"comment":      "## x\n\n<!-- hidden -->\n",
	} {
		if _, problems := Structure(md); len(problems) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}
