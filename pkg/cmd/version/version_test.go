package version

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/version"
)

func TestVersion(t *testing.T) {
	defer func(v, c, d string) { version.Version, version.Commit, version.Date = v, c, d }(version.Version, version.Commit, version.Date)
	version.Version, version.Commit, version.Date = "v1.2.3", "0123456789abcdef", "2026-01-02T03:04:05Z"
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"text", []string{"version"}, []string{"Version:     v1.2.3\n", "Commit:      0123456789abcdef\n", "Date:        2026-01-02T03:04:05Z\n", "Go version:  go1.", "Platform:    "}, ""},
		{"json", []string{"version", "-o", "json"}, []string{`"version": "v1.2.3"`, `"commit": "0123456789abcdef"`, `"date": "2026-01-02T03:04:05Z"`, `"goVersion": "go1.`, `"platform": "`}, ""},
		{"root --version", []string{"--version"}, []string{"version v1.2.3 (commit 0123456789abcdef, 2026-01-02T03:04:05Z, go1."}, ""},
		{"bad output", []string{"version", "-o", "yaml"}, nil, `--output "yaml": want text or json`},
		{"no arguments", []string{"version", "extra"}, nil, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}
			root := &cobra.Command{Use: "kubectl-gitops", SilenceUsage: true, SilenceErrors: true}
			root.SetOut(&out)
			Register(root, streams)
			root.SetArgs(tt.args)
			err := root.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.name == "json" {
				var info version.Info
				if err := json.Unmarshal(out.Bytes(), &info); err != nil || info.Version != "v1.2.3" {
					t.Errorf("not the JSON of an Info: %v %+v", err, info)
				}
			}
		})
	}
}
