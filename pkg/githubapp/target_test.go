package githubapp

import (
	"strings"
	"testing"
)

func TestParseRepo(t *testing.T) {
	tests := []struct {
		in, owner, repo, wantErr string
	}{
		{in: "o/r", owner: "o", repo: "r"},
		{in: " kubectl-gitops/kubectl-gitops.io ", owner: "kubectl-gitops", repo: "kubectl-gitops.io"},
		{in: "my_org/repo_1", owner: "my_org", repo: "repo_1"},
		{in: "", wantErr: `parse repository "": want owner/name`},
		{in: "owner", wantErr: "want owner/name"},
		{in: "/r", wantErr: "want owner/name"},
		{in: "o/", wantErr: "want owner/name"},
		{in: "o/r/x", wantErr: "want owner/name"},
		{in: "o/..", wantErr: `invalid repository name ".."`},
		{in: "o/r?x=1", wantErr: `invalid repository name "r?x=1"`},
		{in: "o w/r", wantErr: `invalid owner "o w"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			owner, repo, err := ParseRepo(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRepo(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRepo(%q): %v", tt.in, err)
			}
			if owner != tt.owner || repo != tt.repo {
				t.Errorf("ParseRepo(%q) = %q, %q, want %q, %q", tt.in, owner, repo, tt.owner, tt.repo)
			}
		})
	}
}

func TestTargetFromEnv(t *testing.T) {
	envSHA := "fedcba9876543210fedcba9876543210fedcba98"
	actions := map[string]string{"GITHUB_REPOSITORY": "env/repo", "GITHUB_SHA": envSHA}
	tests := []struct {
		name    string
		in      StatusTarget
		env     map[string]string
		want    StatusTarget
		wantErr string
	}{
		{name: "all from env", env: actions, want: StatusTarget{"env", "repo", envSHA}},
		{name: "flags win", in: testTarget, env: actions, want: testTarget},
		{name: "repo from flag, sha from env", in: StatusTarget{Owner: "o", Repo: "r"}, env: actions,
			want: StatusTarget{"o", "r", envSHA}},
		{name: "sha from flag, repo from env", in: StatusTarget{SHA: testSHA}, env: actions,
			want: StatusTarget{"env", "repo", testSHA}},
		{name: "nothing set", env: nil, wantErr: "repository not set"},
		{name: "no sha", env: map[string]string{"GITHUB_REPOSITORY": "env/repo"}, wantErr: "status target env/repo: commit SHA not set"},
		{name: "half a repo", in: StatusTarget{Owner: "o"}, env: actions, wantErr: "owner and repository name must be given together"},
		{name: "bad env repo", env: map[string]string{"GITHUB_REPOSITORY": "nope", "GITHUB_SHA": envSHA},
			wantErr: `GITHUB_REPOSITORY: parse repository "nope"`},
		{name: "short sha", in: StatusTarget{Owner: "o", Repo: "r", SHA: "abc123"}, wantErr: `commit SHA "abc123": want the full 40`},
		{name: "non-hex sha", in: StatusTarget{Owner: "o", Repo: "r", SHA: strings.Repeat("g", 40)}, wantErr: "not hexadecimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TargetFromEnv(tt.in, envMap(tt.env))
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
				t.Errorf("TargetFromEnv = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunURLFromEnv(t *testing.T) {
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
			if got := RunURLFromEnv(envMap(tt.env)); got != tt.want {
				t.Errorf("RunURLFromEnv = %q, want %q", got, tt.want)
			}
		})
	}
}
