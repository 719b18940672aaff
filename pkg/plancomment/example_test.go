package plancomment_test

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// A comment for one target planned at a commit: its title, its status line and its
// pages, ready for githubapp.StickyComment.Sync.
func Example() {
	p := &plan.Plan{Changes: []plan.Change{
		{ID: object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "settings"}, Action: plan.Update,
			Source: manifest.Source{File: "apps/shop/settings.yaml", Line: 3},
			Diff:   "@@ -1 +1 @@\n-  color: blue\n+  color: green\n"},
		{ID: object.ID{Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: plan.Create,
			Source: manifest.Source{File: "apps/shop/web.yaml", Line: 1}},
	}}
	c := plancomment.New("https://github.com/acme/fleet", "0123456789abcdef0123456789abcdef01234567")
	c.Footer = "\n_Comment `/gitops plan` to plan again._\n"
	c.Add("prod", "prod (live: dry-run against cluster prod)", p, nil)

	fmt.Println(c.Title)
	fmt.Println(c.Summary())
	fmt.Println(len(c.Pages(0)), "page(s)")
	fmt.Println(plancomment.BlobURL("https://github.com/acme/fleet", "main", "apps/shop/web.yaml", 1))
	// Output:
	// kubectl gitops plan for `0123456`
	// 1 to create, 1 to update, 0 unchanged
	// 1 page(s)
	// https://github.com/acme/fleet/blob/main/apps/shop/web.yaml#L1
}
