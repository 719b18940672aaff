// Package untrusted holds what tests of the Markdown writers render: text a repository
// (a fork's pull request above all) may put in any field that reaches a comment, and a
// plan where every field is that text. The bot's and the plugin's tests share it, so
// every writer is checked against the same attack. Test code only.
package untrusted

import (
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// Text has mentions, URLs, an e-mail address, issue references, HTML, a comment that
// would hide the sticky comment's marker, Markdown that would close a table cell, open
// a link or a code span. It starts with PWN and ends with NWP, so a test can see it
// whole.
const Text = "PWN @org/team @octocat (@octocat) https://x.example www.x.example a@x.example &#64;octo #12 GH-7 " +
	"x|y ``` `t` <!-- c --> <b>bold</b> [l](https://x.example) ![i](https://x.example/i.png) *e* _u_ ~s~ $m$ \\ \n- line2 NWP"

// Plan is a plan where every field is Text.
func Plan() *plan.Plan {
	id := object.ID{Group: Text, Kind: Text, Namespace: Text, Name: Text}
	src := manifest.Source{File: Text, Line: 3}
	diff := "@@ -1 +1 @@\n-  name: old\n+  name: " + strings.Join(strings.Fields(Text), " ") + "\n+ `````\n"
	return &plan.Plan{
		Source: Text, Revision: Text,
		Problems: []plan.Problem{{ID: &id, Source: src, Message: Text}, {Message: Text}},
		Changes: []plan.Change{
			{ID: id, Action: plan.Create, Source: src, Diff: diff, Reason: Text},
			{ID: id, Action: plan.Update, Source: src, Diff: diff, Result: plan.Failed, Error: Text},
			{ID: id, Action: plan.Skip, Source: src, Reason: Text},
			{ID: id, Action: plan.Delete, Diff: diff},
		},
	}
}
