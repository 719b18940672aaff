package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

func TestOpenRemoteRefs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, ref, want, version, branch string
	}{
		{name: "default branch", ref: "", want: f.second, version: "2\n", branch: "main"},
		{name: "branch", ref: "main", want: f.second, version: "2\n", branch: "main"},
		{name: "other branch", ref: "dev", want: f.dev, version: "dev\n", branch: "dev"},
		{name: "full branch ref", ref: "refs/heads/dev", want: f.dev, version: "dev\n", branch: "dev"},
		{name: "lightweight tag", ref: "v1", want: f.first, version: "1\n"},
		{name: "annotated tag", ref: "v2", want: f.second, version: "2\n"},
		{name: "full tag ref", ref: "refs/tags/v1", want: f.first, version: "1\n"},
		{name: "full sha", ref: f.first, want: f.first, version: "1\n"},
		{name: "short sha", ref: f.first[:7], want: f.first, version: "1\n"},
		{name: "upper-case short sha", ref: strings.ToUpper(f.dev[:10]), want: f.dev, version: "dev\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(context.Background(), f.url, tt.ref)
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.ref, err)
			}
			defer r.Close()
			if got := r.Revision(); got != tt.want {
				t.Errorf("Revision() = %s, want %s", got, tt.want)
			}
			if got := readFile(t, filepath.Join(r.Dir(), "version")); got != tt.version {
				t.Errorf("version file = %q, want %q", got, tt.version)
			}
			if r.Ref() != tt.ref || r.URL() != f.url || r.Branch() != tt.branch {
				t.Errorf("Ref, URL, Branch = %q, %q, %q; want %q, %q, %q", r.Ref(), r.URL(), r.Branch(), tt.ref, f.url, tt.branch)
			}
			if dirty, err := r.Dirty(); err != nil || dirty {
				t.Errorf("Dirty() = %v, %v; want false", dirty, err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	emptyBare := filepath.Join(f.root, "empty.git")
	gitrepotest.Git(t, f.root, "init", "-q", "--bare", emptyBare)
	notRepo := t.TempDir()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name        string
		ctx         context.Context
		src, ref    string
		is          error
		contains    []string
		notContains []string
	}{
		{name: "missing tag", src: f.url, ref: "v9", is: ErrRefNotFound,
			contains: []string{`git ref "v9" not found in ` + f.url}},
		{name: "missing branch", src: f.url, ref: "feature/x", is: ErrRefNotFound,
			contains: []string{`git ref "feature/x" not found in ` + f.url}},
		{name: "missing sha", src: f.url, ref: "deadbeef", is: ErrRefNotFound,
			contains: []string{`git ref "deadbeef" not found in ` + f.url}},
		{name: "missing ref with credentials", src: strings.Replace(f.url, "://", "://bot:s3cr3t-pw@", 1), ref: "v9",
			is: ErrRefNotFound, contains: []string{f.url}, notContains: []string{"s3cr3t-pw", "bot@"}},
		{name: "unreachable", src: closedURL + "/repo.git", contains: []string{"git remote " + closedURL + "/repo.git"}},
		{name: "unreachable with credentials", src: strings.Replace(closedURL, "://", "://bot:s3cr3t-pw@", 1) + "/repo.git",
			contains: []string{"git remote " + closedURL + "/repo.git"}, notContains: []string{"s3cr3t-pw", "bot"}},
		{name: "unreachable with token user", src: strings.Replace(closedURL, "://", "://ghp_tokenAsUser@", 1) + "/repo.git",
			contains: []string{closedURL}, notContains: []string{"ghp_tokenAsUser"}},
		{name: "repository not found", src: f.srv.URL + "/nope.git", contains: []string{f.srv.URL + "/nope.git"}},
		{name: "empty remote", src: emptyBare, contains: []string{emptyBare, "is empty"}},
		{name: "not a repository", src: notRepo, contains: []string{notRepo, "not a git repository"}},
		{name: "no such path", src: filepath.Join(notRepo, "missing"), contains: []string{"missing"}},
		{name: "empty source", src: "", contains: []string{"no path or URL"}},
		{name: "cancelled", ctx: cancelled, src: f.url, is: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			dir := filepath.Join(t.TempDir(), "clone")
			r, err := Open(ctx, tt.src, tt.ref, WithDir(dir))
			if err == nil {
				r.Close()
				t.Fatalf("Open(%q, %q) succeeded", tt.src, tt.ref)
			}
			t.Logf("error: %v", err)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
			if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("clone directory %s left behind after failure", dir)
			}
		})
	}
}

func TestOpenLogsNoCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src := strings.Replace(f.url, "://", "://bot:s3cr3t-pw@", 1)
	r, err := Open(context.Background(), src, "main", WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.URL() != f.url {
		t.Errorf("URL() = %q, want %q", r.URL(), f.url)
	}
	if _, err := r.Update(context.Background()); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	if strings.Contains(logs.String(), "s3cr3t-pw") {
		t.Errorf("logs carry the password:\n%s", logs.String())
	}
}

func TestCloseAndWithDir(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	tmp := r.Dir()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp clone %s still exists after Close", tmp)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	dir := filepath.Join(t.TempDir(), "mine")
	r, err = Open(ctx, f.url, "main", WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", r.Dir(), dir)
	}
	r.Close()
	if readFile(t, filepath.Join(dir, "version")) != "2\n" {
		t.Error("WithDir clone removed or wrong after Close")
	}

	if _, err := Open(ctx, f.url, "main", WithDir(dir)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Open into a non-empty dir: err = %v, want 'not empty'", err)
	}
	if readFile(t, filepath.Join(dir, "version")) != "2\n" {
		t.Error("failed Open touched a non-empty WithDir directory")
	}
}

func TestOpenBarePath(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, src := range []string{f.bare, "file://" + f.bare} {
		t.Run(src, func(t *testing.T) {
			r, err := Open(ctx, src, "v1")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Revision() != f.first {
				t.Errorf("Revision() = %s, want %s", r.Revision(), f.first)
			}
			if r.Dir() == f.bare {
				t.Error("bare repository used in place, want a clone")
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://github.com/org/repo.git", "https://github.com/org/repo.git"},
		{"https://x-access-token:ghs_abc@github.com/org/repo", "https://github.com/org/repo"},
		{"https://ghp_tok@github.com/org/repo", "https://github.com/org/repo"},
		{"ssh://git@github.com/org/repo.git", "ssh://github.com/org/repo.git"},
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"/srv/git/repo.git", "/srv/git/repo.git"},
		{`Get "https://u:p@h/x/info/refs": EOF`, `Get "https://h/x/info/refs": EOF`},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
