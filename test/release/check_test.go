package release

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestGoreleaserCheck: the configuration is valid for goreleaser v2, with no
// deprecated property.
func TestGoreleaserCheck(t *testing.T) {
	root := repoRoot(t)
	out := run(t, context.Background(), root, nil, tool(t, "goreleaser"), "check", "--config", ".goreleaser.yaml")
	t.Log(out)
}

// TestMakefileBuild: `make build` and `make build-bot` compile with the release's
// flags and set the same version variables.
func TestMakefileBuild(t *testing.T) {
	root := repoRoot(t)
	for _, target := range []string{"build", "build-bot"} {
		t.Run(target, func(t *testing.T) {
			out, err := exec.Command("make", "-s", "-n", "-C", root, target).CombinedOutput()
			if err != nil {
				t.Fatalf("make -n %s: %v\n%s", target, err, out)
			}
			line := string(out)
			for _, want := range []string{
				"CGO_ENABLED=0", " -trimpath", "-tags kustomize_disable_go_plugin_support", `-ldflags "-s -w `,
				"-X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Version=",
				"-X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Commit=",
				"-X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Date=",
			} {
				if !strings.Contains(line, want) {
					t.Errorf("make %s lacks %q:\n%s", target, want, line)
				}
			}
		})
	}
}
