package source

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// TestLoadSubdirectoryIsPathUnderTop: an overlay reaching ../../bases loads from its
// directory exactly as from the top with --path, with repository-relative files.
func TestLoadSubdirectoryIsPathUnderTop(t *testing.T) {
	f := newGitFixture(t)
	load := func(o Options) (string, string) {
		t.Helper()
		s, err := o.Open(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		objs, err := s.Load(context.Background(), nil)
		if err != nil {
			t.Fatalf("Load %+v: %v", o, err)
		}
		return describeObjects(objs), s.Describe()
	}
	fromDir, descDir := load(Options{Source: filepath.Join(f.top, "deploy/overlays/dev")})
	fromTop, descTop := load(Options{Source: f.top, Paths: []string{"deploy/overlays/dev"}})
	want := "Deployment.apps shop/backend deploy/bases/backend/deployment.yaml:1\nConfigMap shop/dev deploy/overlays/dev/cm.yaml:1\n"
	if fromDir != want || fromTop != want {
		t.Errorf("objects from the directory:\n%s\nfrom the top with --path:\n%s\nwant:\n%s", fromDir, fromTop, want)
	}
	if wantDesc := f.top + " (paths: deploy/overlays/dev)"; descDir != wantDesc || descTop != wantDesc {
		t.Errorf("Describe = %q and %q, want %q", descDir, descTop, wantDesc)
	}
}

// TestLoadRefusesEscapeFromRepository: the repository is the root, not the filesystem.
func TestLoadRefusesEscapeFromRepository(t *testing.T) {
	f := newGitFixture(t)
	writeFiles(t, f.top, map[string]string{
		"deploy/overlays/dev/kustomization.yaml": "resources:\n- ../../bases/backend\n- ../../../../outside\n",
	})
	o := Options{Source: filepath.Join(f.top, "deploy/overlays/dev")}
	s, err := o.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Load(context.Background(), nil)
	want := `deploy/overlays/dev/kustomization.yaml:3: resources[1]: "../../../../outside" leads outside the source root`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load: %v\nwant an error containing %q", err, want)
	}
}

func describeObjects(objs []manifest.Object) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "%s %s\n", o.ID(), o.Source)
	}
	return b.String()
}
