package cmdutil

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// TestWriteAnnotations: problems are errors and changes notices at their file:line;
// nothing a repository names can end a workflow command or start another; past
// GitHub's 10 per level the tenth says how many are left out.
func TestWriteAnnotations(t *testing.T) {
	cm := func(name string) *object.ID { return &object.ID{Kind: "ConfigMap", Namespace: "shop", Name: name} }
	manyUpdates := &plan.Plan{}
	for i := range 12 {
		manyUpdates.Changes = append(manyUpdates.Changes, plan.Change{ID: *cm(fmt.Sprint("c", i)), Action: plan.Update,
			Source: manifest.Source{File: "deploy/many.yaml", Line: 1 + 5*i}})
	}
	for _, tt := range []struct {
		name string
		plan *plan.Plan
		want []string
	}{
		{
			name: "a problem and a change",
			plan: &plan.Plan{
				Problems: []plan.Problem{{ID: cm("twice"), Source: manifest.Source{File: "deploy/dup.yaml", Line: 2}, Message: "defined twice"}},
				Changes: []plan.Change{{ID: *cm("settings"), Action: plan.Update, Source: manifest.Source{File: "deploy/cm.yaml", Line: 1}},
					{ID: *cm("same"), Action: plan.Unchanged, Source: manifest.Source{File: "deploy/cm.yaml", Line: 9}}},
			},
			want: []string{
				"::error file=deploy/dup.yaml,line=2,title=ConfigMap shop/twice::defined twice",
				"::notice file=deploy/cm.yaml,line=1,title=plan%3A to update::ConfigMap shop/settings to update",
			},
		},
		{
			name: "a hostile file name and message stay one command",
			plan: &plan.Plan{Problems: []plan.Problem{{Source: manifest.Source{File: "a,b:c%\n::set-env name=X::1.yaml", Line: 3},
				Message: "bad\r\n::add-mask::x 100%"}}},
			want: []string{
				"::error file=a%2Cb%3Ac%25%0A%3A%3Aset-env name=X%3A%3A1.yaml,line=3,title=Manifest problem::bad%0D%0A::add-mask::x 100%25",
			},
		},
		{
			name: "past 10 notices the tenth says how many more",
			plan: manyUpdates,
			want: func() []string {
				var out []string
				for i := range 9 {
					out = append(out, fmt.Sprintf("::notice file=deploy/many.yaml,line=%d,title=plan%%3A to update::ConfigMap shop/c%d to update", 1+5*i, i))
				}
				return append(out, "::notice title=plan::3 more are not annotated here (GitHub shows 10 per step): the plan lists them all")
			}(),
		},
		{name: "no changes, no problems", plan: &plan.Plan{}, want: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteAnnotations(&b, "plan", tt.plan); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if b.Len() == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
