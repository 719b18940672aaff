package gitrepo

import (
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

const gitHTTPBackend = "/usr/lib/git-core/git-http-backend"

// TestMain isolates git (CLI and go-git) from the user's configuration.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "gitrepo-home-*")
	if err != nil {
		panic(err)
	}
	cfg := "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o644); err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Unsetenv("GIT_TOKEN")
	os.Unsetenv("GITHUB_TOKEN")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
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

// fixture is a bare repository served over HTTP by git-http-backend, and a CLI clone
// of it ("work") for making commits behind the code under test's back.
type fixture struct {
	root string            // GIT_PROJECT_ROOT
	bare string            // root/repo.git
	repo *gitrepotest.Repo // CLI work tree, origin = bare
	work string            // repo.Dir
	url  string            // http URL of the bare repository
	srv  *httptest.Server

	first, second string // commits on main: v1 (lightweight tag), v2 (annotated) / main
	dev           string // tip of branch dev
}

type fixtureOpt func(*fixtureCfg)

type fixtureCfg struct {
	readOnly bool
	wrap     func(http.Handler) http.Handler
}

func readOnly() fixtureOpt { return func(c *fixtureCfg) { c.readOnly = true } }

func wrapHandler(w func(http.Handler) http.Handler) fixtureOpt {
	return func(c *fixtureCfg) { c.wrap = w }
}

// newFixture builds: main = first (tag v1) → second (annotated tag v2); dev = second → dev.
func newFixture(t *testing.T, opts ...fixtureOpt) *fixture {
	t.Helper()
	if _, err := os.Stat(gitHTTPBackend); err != nil {
		t.Skipf("git-http-backend not available: %v", err)
	}
	var cfg fixtureCfg
	for _, o := range opts {
		o(&cfg)
	}
	f := &fixture{root: t.TempDir()}
	f.repo = gitrepotest.NewRepo(t, map[string]string{"version": "1\n", "deploy/app.yaml": "kind: ConfigMap\n"})
	f.work = f.repo.Dir
	f.repo.Git(t, "tag", "v1")
	f.first = f.repo.Head(t)
	f.second = f.repo.Commit(t, "second", map[string]string{"version": "2\n"})
	f.repo.Git(t, "tag", "-a", "v2", "-m", "release 2")
	f.repo.Git(t, "checkout", "-q", "-b", "dev")
	f.dev = f.repo.Commit(t, "dev", map[string]string{"version": "dev\n"})
	f.repo.Git(t, "checkout", "-q", "main")
	f.bare = f.repo.Bare(t, filepath.Join(f.root, "repo.git"))
	if cfg.readOnly {
		gitrepotest.Git(t, f.bare, "config", "--unset", "http.receivepack")
	}

	var h http.Handler = &cgi.Handler{
		Path:   gitHTTPBackend,
		Stderr: io.Discard,
		Env:    []string{"GIT_PROJECT_ROOT=" + f.root, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + os.Getenv("HOME")},
	}
	if cfg.wrap != nil {
		h = cfg.wrap(h)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	f.url = f.srv.URL + "/repo.git"
	return f
}

// commit makes a commit in the CLI work tree on branch and pushes it.
func (f *fixture) commit(t *testing.T, branch, file, content string) string {
	t.Helper()
	f.repo.Git(t, "checkout", "-q", branch)
	f.repo.Git(t, "pull", "-q", "--ff-only", "origin", branch)
	sha := f.repo.Commit(t, "update "+file, map[string]string{file: content})
	f.repo.Git(t, "push", "-q", "origin", branch)
	return sha
}

// bareRev is the commit a ref names in the bare repository.
func (f *fixture) bareRev(t *testing.T, ref string) string {
	t.Helper()
	return gitrepotest.Git(t, f.bare, "rev-parse", ref+"^{commit}")
}
