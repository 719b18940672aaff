package cmdutil

import (
	"strings"
	"testing"
)

// Destinations come from --notify and from GITOPS_NOTIFY (one per line), which keeps
// them off the command line; an error never shows a URL's path.
func TestNotifyCompleteFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		flags   []string
		env     string
		sinks   int
		wantErr string
	}{
		{name: "none"},
		{name: "flag", flags: []string{"https://hooks.example/a"}, sinks: 1},
		{name: "env", env: "https://hooks.example/a\nslack+https://hooks.slack.example/b", sinks: 2},
		{name: "both", flags: []string{"https://hooks.example/a"}, env: "teams+https://teams.example/c\n", sinks: 2},
		{name: "blank lines and spaces", env: "\n  https://hooks.example/a  \n\n\t\n", sinks: 1},
		{name: "a bad one", env: "https://hooks.example/a\nhttp://example.com/hook/S3CRET", sinks: 1, wantErr: "plain http only for localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvNotify, tt.env)
			o := &NotifyOptions{URLs: tt.flags, On: "always"}
			err := o.Complete("target", "")
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Complete: %v, want error %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("the error shows the URL's path: %v", err)
			}
			if len(o.sinks) != tt.sinks {
				t.Errorf("%d sinks, want %d", len(o.sinks), tt.sinks)
			}
			if len(o.URLs) != len(tt.flags) {
				t.Errorf("URLs changed to %v", o.URLs)
			}
		})
	}
}
