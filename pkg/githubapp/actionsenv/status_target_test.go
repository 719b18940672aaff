package actionsenv

import (
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

const testSHA = "0123456789abcdef0123456789abcdef01234567"

var testTarget = githubapp.StatusTarget{Owner: "o", Repo: "r", SHA: testSHA}

func TestStatusTarget(t *testing.T) {
	envSHA := "fedcba9876543210fedcba9876543210fedcba98"
	actions := map[string]string{"GITHUB_REPOSITORY": "env/repo", "GITHUB_SHA": envSHA}
	tests := []struct {
		name    string
		in      githubapp.StatusTarget
		env     map[string]string
		want    githubapp.StatusTarget
		wantErr string
	}{
		{name: "all from env", env: actions, want: githubapp.StatusTarget{Owner: "env", Repo: "repo", SHA: envSHA}},
		{name: "flags win", in: testTarget, env: actions, want: testTarget},
		{name: "repo from flag, sha from env", in: githubapp.StatusTarget{Owner: "o", Repo: "r"}, env: actions,
			want: githubapp.StatusTarget{Owner: "o", Repo: "r", SHA: envSHA}},
		{name: "sha from flag, repo from env", in: githubapp.StatusTarget{SHA: testSHA}, env: actions,
			want: githubapp.StatusTarget{Owner: "env", Repo: "repo", SHA: testSHA}},
		{name: "nothing set", env: nil, wantErr: "repository not set"},
		{name: "no sha", env: map[string]string{"GITHUB_REPOSITORY": "env/repo"}, wantErr: "status target env/repo: commit SHA not set"},
		{name: "half a repo", in: githubapp.StatusTarget{Owner: "o"}, env: actions, wantErr: "owner and repository name must be given together"},
		{name: "bad env repo", env: map[string]string{"GITHUB_REPOSITORY": "nope", "GITHUB_SHA": envSHA},
			wantErr: `GITHUB_REPOSITORY: parse repository "nope"`},
		{name: "short sha", in: githubapp.StatusTarget{Owner: "o", Repo: "r", SHA: "abc123"}, wantErr: `commit SHA "abc123": want the full 40`},
		{name: "non-hex sha", in: githubapp.StatusTarget{Owner: "o", Repo: "r", SHA: strings.Repeat("g", 40)}, wantErr: "not hexadecimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StatusTarget(tt.in, envMap(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("StatusTarget = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"actions", map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42"},
			"https://github.com/o/r/actions/runs/42"},
		{"enterprise with slash", map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com/", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"},
			"https://ghe.example.com/o/r/actions/runs/7"},
		{"outside actions", map[string]string{"GITHUB_REPOSITORY": "o/r"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RunURL(envMap(tt.env)); got != tt.want {
				t.Errorf("RunURL = %q, want %q", got, tt.want)
			}
		})
	}
}

// envMap is a getenv backed by a map.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
