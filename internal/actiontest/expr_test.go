package actiontest

import "testing"

func TestEval(t *testing.T) {
	c := &Contexts{
		Values: map[string]map[string]string{
			"inputs": {"command": "plan", "github-token": "t0k", "empty": ""},
			"github": {"event_name": "pull_request"},
		},
		Steps: map[string]map[string]string{"install": {"path": "/bin/x"}},
	}
	tests := []struct {
		expr string
		want string
	}{
		{"inputs.command", "plan"},
		{"inputs.github-token", "t0k"},
		{"steps.install.outputs.path", "/bin/x"},
		{"steps.nope.outputs.path", ""},
		{"inputs.command == 'PLAN'", "true"},
		{"inputs.command != 'plan'", "false"},
		{"github.event_name == 'pull_request' && inputs.command == 'plan'", "true"},
		{"inputs.empty || 'fallback'", "fallback"},
		{"!(inputs.empty)", "true"},
		{"'it''s'", "it's"},
		{"success()", "true"},
		{"1 == 1", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			v, err := c.Eval(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := text(v); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"inputs", "vars.x", "format('{0}', inputs.command)", "inputs.command ==", "(true", "steps.install.path", "a[0]"} {
		if _, err := c.Eval(bad); err == nil {
			t.Errorf("%q: want an error (outside the supported subset)", bad)
		}
	}
	got, err := c.Interpolate("kubectl gitops ${{ inputs.command }} (${{ github.event_name }})")
	if err != nil || got != "kubectl gitops plan (pull_request)" {
		t.Errorf("Interpolate: %q, %v", got, err)
	}
}
