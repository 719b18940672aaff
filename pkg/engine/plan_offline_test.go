package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

const (
	cmA = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"1\"\n"
	cmB = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: \"1\"\n"
	bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [\n"
)

// writeDir makes a directory (outside git) of the files.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPlanOffline(t *testing.T) {
	tests := []struct {
		name      string
		base      map[string]string
		head      map[string]string
		wantErr   string       // PlanOffline fails with this
		want      []string     // "action ID" of each change
		wantProbs []string     // problems, as printed
		counts    *plan.Counts // when set, the plan's counts
	}{
		{
			name: "b removed and pruned, a unchanged, in the default namespace",
			base: map[string]string{"a.yaml": cmA, "b.yaml": cmB},
			head: map[string]string{"a.yaml": cmA},
			want: []string{"unchanged ConfigMap shop/a", "delete ConfigMap shop/b"},
		},
		{
			name:      "a head file that does not load is a problem with its file, and nothing is pruned",
			base:      map[string]string{"a.yaml": cmA, "b.yaml": cmB},
			head:      map[string]string{"a.yaml": cmA, "c.yaml": bad},
			wantProbs: []string{"c.yaml:"},
			counts:    &plan.Counts{Unchanged: 1, Problems: 1},
		},
		{
			name:    "a base that does not render is an error",
			base:    map[string]string{"c.yaml": bad},
			head:    map[string]string{"a.yaml": cmA},
			wantErr: "does not render",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			head, err := (&source.Options{Source: writeDir(t, tt.head)}).Open(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer head.Close()
			target := engine.DefaultTarget()
			target.DefaultNamespace = "shop"
			p, err := engine.PlanOffline(ctx, target, head, source.Options{Source: writeDir(t, tt.base)}, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				var got []string
				for _, c := range p.Changes {
					got = append(got, string(c.Action)+" "+c.ID.String())
				}
				if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			}
			if len(p.Problems) != len(tt.wantProbs) {
				t.Fatalf("problems %v, want %d", p.Problems, len(tt.wantProbs))
			}
			for i, prefix := range tt.wantProbs {
				if got := p.Problems[i].String(); !strings.HasPrefix(got, prefix) {
					t.Errorf("problem %d = %q, want it to start with %q", i, got, prefix)
				}
			}
			if tt.counts != nil && p.Counts() != *tt.counts {
				t.Errorf("counts %+v, want %+v", p.Counts(), *tt.counts)
			}
		})
	}
}
