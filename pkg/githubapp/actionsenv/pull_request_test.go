package actionsenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadPullRequest(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		want    PullRequest
		ok, err bool
	}{
		{name: "outside Actions"},
		{name: "pull_request", path: write("pr.json", `{"action":"opened","number":7,"pull_request":{"number":7,"head":{"sha":"`+sha+`"}}}`),
			want: PullRequest{Number: 7, HeadSHA: sha}, ok: true},
		{name: "push", path: write("push.json", `{"ref":"refs/heads/main","after":"`+sha+`"}`)},
		{name: "short head sha", path: write("short.json", `{"pull_request":{"number":7,"head":{"sha":"abc"}}}`), err: true},
		{name: "not JSON", path: write("bad.json", `{`), err: true},
		{name: "missing file", path: filepath.Join(dir, "nope.json"), err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"GITHUB_EVENT_PATH": tt.path}
			got, ok, err := ReadPullRequest(func(k string) string { return env[k] })
			if (err != nil) != tt.err || ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("got %+v, %v, %v", got, ok, err)
			}
		})
	}
}
