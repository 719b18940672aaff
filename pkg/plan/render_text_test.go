package plan

import (
	"errors"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	withProblems := samplePlan(t)
	withProblems.Problems = []Problem{
		{ID: &withProblems.Changes[1].ID, Source: withProblems.Changes[1].Source, Message: `strict decoding error: unknown field "spec.foo"`},
		{Source: withProblems.Changes[0].Source, Message: "cannot parse:\nline 4: mapping values are not allowed"},
	}
	tests := []struct {
		name string
		plan *Plan
		opts TextOptions
		want string
	}{{
		name: "plan with problems",
		plan: withProblems,
		want: `Problems (nothing will be applied):
  apps/cfg.yaml:1: ConfigMap shop/cfg: strict decoding error: unknown field "spec.foo"
  apps/redis.yaml:3: cannot parse:
    line 4: mapping values are not allowed

+ create  Service shop/redis  (apps/redis.yaml:3)
    @@ -0,0 +1,8 @@
    +apiVersion: v1
    +kind: Service
    +metadata:
    +  name: redis
    +  namespace: shop
    +spec:
    +  ports:
    +  - port: 6379
~ update  ConfigMap shop/cfg  (apps/cfg.yaml:1)
    @@ -1,6 +1,6 @@
     apiVersion: v1
     data:
    -  color: blue
    +  color: green
       size: L
     kind: ConfigMap
     metadata:
- delete  Deployment.apps shop/old
! skip    ConfigMap shop/manual  (apps/manual.yaml:1)  (ignored by annotation kubectl-gitops.io/ignore)
+ create  Widget.example.com shop/w  (crds/widget.yaml:12)  (unverifiable until the CRD exists)

Plan: 2 to create, 1 to update, 1 to delete, 1 unchanged, 1 skipped.
`,
	}, {
		name: "no diffs, unchanged shown",
		plan: samplePlan(t),
		opts: TextOptions{NoDiff: true, ShowUnchanged: true},
		want: `+ create     Service shop/redis  (apps/redis.yaml:3)
~ update     ConfigMap shop/cfg  (apps/cfg.yaml:1)
- delete     Deployment.apps shop/old
= unchanged  Namespace shop  (namespace.yaml:1)
! skip       ConfigMap shop/manual  (apps/manual.yaml:1)  (ignored by annotation kubectl-gitops.io/ignore)
+ create     Widget.example.com shop/w  (crds/widget.yaml:12)  (unverifiable until the CRD exists)

Plan: 2 to create, 1 to update, 1 to delete, 1 unchanged, 1 skipped.
`,
	}, {
		name: "executed, with color",
		plan: executedPlan(t),
		opts: TextOptions{Color: true, ShowUnchanged: true},
		want: "\x1b[32m+ create   \x1b[0m  Service shop/redis  (apps/redis.yaml:3)  -> \x1b[32mapplied\x1b[0m\n" +
			"    \x1b[36m@@ -0,0 +1,8 @@\x1b[0m\n" +
			"    \x1b[32m+apiVersion: v1\x1b[0m\n" +
			"    \x1b[32m+kind: Service\x1b[0m\n" +
			"    \x1b[32m+metadata:\x1b[0m\n" +
			"    \x1b[32m+  name: redis\x1b[0m\n" +
			"    \x1b[32m+  namespace: shop\x1b[0m\n" +
			"    \x1b[32m+spec:\x1b[0m\n" +
			"    \x1b[32m+  ports:\x1b[0m\n" +
			"    \x1b[32m+  - port: 6379\x1b[0m\n" +
			"\x1b[33m~ update   \x1b[0m  ConfigMap shop/cfg  (apps/cfg.yaml:1)  -> \x1b[1m\x1b[31mFAILED: admission webhook \"check.acme.io\" denied the request:\x1b[0m\n" +
			"      \x1b[1m\x1b[31mcolor green is not allowed\x1b[0m\n" +
			"    \x1b[36m@@ -1,6 +1,6 @@\x1b[0m\n" +
			"     apiVersion: v1\n" +
			"     data:\n" +
			"    \x1b[31m-  color: blue\x1b[0m\n" +
			"    \x1b[32m+  color: green\x1b[0m\n" +
			"       size: L\n" +
			"     kind: ConfigMap\n" +
			"     metadata:\n" +
			"\x1b[31m- delete   \x1b[0m  Deployment.apps shop/old  -> \x1b[32mdeleted\x1b[0m\n" +
			"\x1b[2m= unchanged\x1b[0m  Namespace shop  (namespace.yaml:1)\n" +
			"\x1b[33m! skip     \x1b[0m  ConfigMap shop/manual  (apps/manual.yaml:1)  (ignored by annotation kubectl-gitops.io/ignore)\n" +
			"\x1b[32m+ create   \x1b[0m  Widget.example.com shop/w  (crds/widget.yaml:12)  (unverifiable until the CRD exists)  -> \x1b[32mapplied\x1b[0m\n" +
			"\n" +
			"Applied: 2 created, 0 updated, 1 deleted, 1 unchanged, 1 skipped, 1 failed.\n",
	}, {
		name: "executed, stopped after a failure, without color",
		plan: func() *Plan {
			p := executedPlan(t)
			p.Changes[2].Result = NotRun // the delete was not attempted
			return p
		}(),
		opts: TextOptions{NoDiff: true},
		want: `+ create  Service shop/redis  (apps/redis.yaml:3)  -> applied
~ update  ConfigMap shop/cfg  (apps/cfg.yaml:1)  -> FAILED: admission webhook "check.acme.io" denied the request:
      color green is not allowed
- delete  Deployment.apps shop/old
! skip    ConfigMap shop/manual  (apps/manual.yaml:1)  (ignored by annotation kubectl-gitops.io/ignore)
+ create  Widget.example.com shop/w  (crds/widget.yaml:12)  (unverifiable until the CRD exists)  -> applied

Applied: 2 created, 0 updated, 0 deleted, 1 unchanged, 1 skipped, 1 failed, 1 not run.
`,
	}, {
		name: "only unchanged objects",
		plan: &Plan{Changes: []Change{{ID: samplePlan(t).Changes[3].ID, Action: Unchanged}}},
		want: "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged, 0 skipped.\n",
	}, {
		name: "empty plan",
		plan: &Plan{},
		opts: TextOptions{Color: true},
		want: "Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged, 0 skipped.\n",
	}, {
		name: "control characters from the cluster are dropped",
		plan: &Plan{Changes: []Change{{
			ID: samplePlan(t).Changes[1].ID, Action: Update,
			Result: Failed, Error: "denied\x1b[2J\x07 by policy",
		}}},
		want: "~ update  ConfigMap shop/cfg  -> FAILED: denied[2J by policy\n\nApplied: 0 created, 0 updated, 0 deleted, 0 unchanged, 0 skipped, 1 failed.\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.plan.WriteText(&b, tc.opts); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if !tc.opts.Color && strings.Contains(b.String(), "\x1b") {
				t.Error("escape codes without Color")
			}
		})
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	p := samplePlan(t)
	for name, write := range map[string]func() error{
		"text":     func() error { return p.WriteText(failingWriter{}, TextOptions{}) },
		"markdown": func() error { return p.WriteMarkdown(failingWriter{}, MarkdownOptions{}) },
		"json":     func() error { return p.WriteJSON(failingWriter{}) },
	} {
		if err := write(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: err = %v, want it to wrap %v", name, err, errDiskFull)
		}
	}
}
