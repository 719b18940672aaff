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
