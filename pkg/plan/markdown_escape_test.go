package plan

import (
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
)

// MarkdownText shows any text as written, at the start of a line or in a table
// cell, and nothing forms: no mention, link, HTML, list or heading.
func TestMarkdownText(t *testing.T) {
	for _, in := range []string{
		"X plain text, with dots.and-dashes/and:colons",
		"X @octocat and @org/team, (@octocat) and x@octocat",
		"X https://x.example HTTP://x.example ftp://x.example www.x.example WWW.x.example a@x.example",
		"X &#64;octocat &commat;octocat &lt;b&gt; #12 GH-7 org/repo#3",
		"X <!-- hidden --> <b>b</b> <https://x.example> [l](https://x.example) ![i](x.png) [^1]",
		"X *e* _u_ ~s~ **b** `code` ``` $m$ \\ | cell \u202eevil",
		"- X starts a list",
		"+ X starts a list",
		"1. X starts a list",
		"7) X starts a list",
		"# X starts a heading",
		"> X starts a quote",
		"=== X underlines",
		"    X indented code",
	} {
		t.Run(in, func(t *testing.T) {
			want := oneLine(strings.NewReplacer("\u202e", "").Replace(in))
			for _, md := range []string{
				MarkdownText(in) + "\n",
				"| a |\n| --- |\n| " + MarkdownText(in) + " |\n",
				"- " + MarkdownText(in) + "\n",
			} {
				for _, p := range mdcheck.Check(md, mdcheck.Options{Value: want}) {
					t.Errorf("%q: %s", md, p)
				}
			}
		})
	}
}
