package images

import (
	"bytes"
	"context"
	"fmt"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
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

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = netguard.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return strings.TrimSpace(out.String())
}

// gitServer is a bare repository served over HTTP by git-http-backend (push enabled),
// seeded with files, and a CLI work tree cloned from it.
type gitServer struct {
	bare, work, url string
}

func newGitServer(t *testing.T, files map[string]string) *gitServer {
	t.Helper()
	root := t.TempDir()
	bare := filepath.Join(root, "fleet.git")
	runGit(t, root, "init", "--bare", "-b", "main", bare)
	runGit(t, bare, "config", "http.receivepack", "true")
	srv := httptest.NewServer(&cgi.Handler{
		Path: "/usr/lib/git-core/git-http-backend",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + os.Getenv("HOME")},
	})
	t.Cleanup(srv.Close)
	work := filepath.Join(t.TempDir(), "work")
	runGit(t, root, "clone", "-q", bare, work)
	writeFiles(t, work, files)
	runGit(t, work, "add", "-A")
	runGit(t, work, "commit", "-q", "-m", "seed")
	runGit(t, work, "push", "-q", "origin", "main")
	return &gitServer{bare: bare, work: work, url: fmt.Sprintf("%s/fleet.git", srv.URL)}
}

// common flags keep tests off the user's cache and cluster.
func quiet(cacheDir string) []string {
	return []string{"--cluster-credentials=false", "--registry-cache-dir=" + cacheDir}
}
