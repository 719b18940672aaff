package cmdutil

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
)

// TestTargetFlags: the flags convert into an engine.Target; unset, they are
// engine.DefaultTarget.
func TestTargetFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(*engine.Target)
	}{
		{"no flags: the defaults", nil, func(*engine.Target) {}},
		{"every flag", []string{
			"--applyset=configmap/shop", "--applyset-namespace=infra", "--default-namespace=shop",
			"--allow-namespace=shop", "--allow-namespace=shop-*", "--field-manager=me",
			"--concurrency=4", "--qps=5", "--burst=10",
			"--prune=false", "--allow-empty", "--max-deletes=3", "--force-conflicts", "--full-dry-run",
		}, func(t *engine.Target) {
			*t = engine.Target{ApplySet: "configmap/shop", ApplySetNamespace: "infra", DefaultNamespace: "shop",
				AllowNamespaces: []string{"shop", "shop-*"}, FieldManager: "me", Concurrency: 4, QPS: 5, Burst: 10,
				Prune: false, AllowEmpty: true, MaxDeletes: 3, ForceConflicts: true, FullDryRun: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				to TargetOptions
				po PlanOptions
			)
			fs := pflag.NewFlagSet("plan", pflag.ContinueOnError)
			to.AddFlags(fs)
			po.AddFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			want := engine.DefaultTarget()
			tt.want(&want)
			if got := to.Engine(po); !reflect.DeepEqual(got, want) {
				t.Errorf("Engine() = %+v, want %+v", got, want)
			}
		})
	}
}
