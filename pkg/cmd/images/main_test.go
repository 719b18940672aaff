package images

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// TestMain isolates git, the docker config and the tag cache from the user's.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "cmd-images-home-*")
	if err != nil {
		panic(err)
	}
	cfg := "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o644); err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("KUBECONFIG", filepath.Join(home, "no-kubeconfig"))
	for _, v := range []string{"GIT_TOKEN", "GITHUB_TOKEN", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE"} {
		os.Unsetenv(v)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// run executes the images command with args and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewCmdImages(genericclioptions.NewConfigFlags(false), streams)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func newRegistry(t *testing.T) *imagestest.Server {
	t.Helper()
	s := imagestest.NewRegistry()
	t.Cleanup(s.Close)
	return s
}

func push(t *testing.T, host, repo string, tags ...string) {
	t.Helper()
	img, err := imagestest.Image(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagestest.PushTags(context.Background(), host, repo, img, tags...); err != nil {
		t.Fatal(err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gitServer is a repository of files (its work tree) and its bare clone, origin of the
// work tree, served over HTTP by git-http-backend (pushes allowed) at url.
type gitServer struct {
	*gitrepotest.Repo
	bare, url string
}

func newGitServer(t *testing.T, files map[string]string) *gitServer {
	t.Helper()
	root := t.TempDir()
	r := gitrepotest.NewRepo(t, files)
	bare := r.Bare(t, filepath.Join(root, "fleet.git"))
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &gitServer{Repo: r, bare: bare, url: srv.URL + "/fleet.git"}
}

// common flags keep tests off the user's cache and cluster.
func quiet(cacheDir string) []string {
	return []string{"--cluster-credentials=false", "--registry-cache-dir=" + cacheDir}
}
