package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	f := newGitFixture(t)
	plain := t.TempDir()
	writeFiles(t, plain, layout)

	const (
		rootTop   = "top"   // the work tree's top
		rootPlain = "plain" // the directory outside git
		rootClone = "clone" // a temporary clone
	)
	tests := []struct {
		name      string
		source    string // "" with chdir: "."
		chdir     string // run from this directory
		ref       string
		paths     []string
		wantRoot  string
		wantPaths []string
		wantRev   string
		wantURL   string
		wantErr   string
	}{
		{name: "dir in git top", source: f.top, wantRoot: rootTop, wantRev: f.second, wantURL: f.top},
		{name: "dir in git top with --path", source: f.top, paths: []string{"deploy/overlays/dev"}, wantRoot: rootTop, wantPaths: []string{"deploy/overlays/dev"}, wantRev: f.second},
		{name: "default source is the current directory", chdir: filepath.Join(f.top, "deploy"), wantRoot: rootTop, wantPaths: []string{"deploy"}, wantRev: f.second},
		{name: "subdir in git", source: filepath.Join(f.top, "deploy/overlays/dev"), wantRoot: rootTop, wantPaths: []string{"deploy/overlays/dev"}, wantRev: f.second, wantURL: f.top},
		{name: "relative subdir in git", chdir: f.top, source: "deploy/overlays/dev", wantRoot: rootTop, wantPaths: []string{"deploy/overlays/dev"}, wantRev: f.second},
		{name: "subdir + --path", source: filepath.Join(f.top, "deploy"), paths: []string{"overlays/dev", "bases/backend/deployment.yaml"}, wantRoot: rootTop, wantPaths: []string{"deploy/overlays/dev", "deploy/bases/backend/deployment.yaml"}, wantRev: f.second},
		{name: "subdir + --path leaving it", source: filepath.Join(f.top, "deploy/overlays/dev"), paths: []string{"../prod"}, wantRoot: rootTop, wantPaths: []string{"deploy/overlays/prod"}, wantRev: f.second},
		{name: "--ref at HEAD reads in place", source: filepath.Join(f.top, "deploy"), ref: "main", wantRoot: rootTop, wantPaths: []string{"deploy"}, wantRev: f.second},
		{name: "--ref clones", source: filepath.Join(f.top, "deploy/overlays/dev"), ref: f.first[:8], wantRoot: rootClone, wantPaths: []string{"deploy/overlays/dev"}, wantRev: f.first, wantURL: f.top},
		{name: "not-in-git dir", source: plain, wantRoot: rootPlain, wantURL: plain},
		{name: "not-in-git dir + --path", source: plain, paths: []string{"deploy/overlays/dev"}, wantRoot: rootPlain, wantPaths: []string{"deploy/overlays/dev"}},
		{name: "not-in-git subdir is its own root", source: filepath.Join(plain, "deploy/overlays/dev"), wantRoot: "plain-dev"},
		{name: "URL", source: "file://" + f.bare, paths: []string{"deploy/overlays/dev"}, wantRoot: rootClone, wantPaths: []string{"deploy/overlays/dev"}, wantRev: f.second, wantURL: "file://" + f.bare},
		{name: "URL at a ref", source: "file://" + f.bare, ref: f.first, wantRoot: rootClone, wantRev: f.first},
		{name: "bare repository path", source: f.bare, wantRoot: rootClone, wantRev: f.second},

		{name: "--ref outside git", source: plain, ref: "main", wantErr: `--ref "main" given but the directory is not in a git repository`},
		{name: "absolute --path", source: f.top, paths: []string{"/etc"}, wantErr: `--path "/etc" must be relative to SOURCE`},
		{name: "empty --path", source: f.top, paths: []string{" "}, wantErr: "--path is empty"},
		{name: "--path leaving the repository", source: filepath.Join(f.top, "deploy"), paths: []string{"../../elsewhere"}, wantErr: `--path "../../elsewhere" leads outside the source root`},
		{name: "subdir missing at --ref", source: filepath.Join(f.top, "deploy/overlays/staging"), ref: f.first, wantErr: "directory deploy/overlays/staging does not exist at " + f.first},
		{name: "a file", source: filepath.Join(f.top, "README.md"), wantErr: "not a directory"},
		{name: "missing directory", source: filepath.Join(f.top, "nope"), wantErr: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chdir != "" {
				t.Chdir(tt.chdir)
			}
			o := Options{Source: tt.source, Ref: tt.ref, Paths: tt.paths}
			s, err := o.Open(context.Background(), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			switch tt.wantRoot {
			case rootTop:
				if s.Root != f.top || s.Clone {
					t.Errorf("Root = %s (clone %v), want the work tree %s", s.Root, s.Clone, f.top)
				}
			case rootPlain:
				if s.Root != plain || s.Repo != nil {
					t.Errorf("Root = %s (repo %v), want %s", s.Root, s.Repo != nil, plain)
				}
			case "plain-dev":
				if s.Root != filepath.Join(plain, "deploy/overlays/dev") {
					t.Errorf("Root = %s, want the directory itself", s.Root)
				}
			case rootClone:
				if !s.Clone || s.Root == f.top || s.Repo == nil {
					t.Errorf("Root = %s (clone %v), want a clone", s.Root, s.Clone)
				}
				if _, err := os.Stat(filepath.Join(s.Root, "deploy/overlays/dev/kustomization.yaml")); err != nil {
					t.Errorf("clone lacks the files: %v", err)
				}
			}
			if !slices.Equal(s.Paths, tt.wantPaths) {
				t.Errorf("Paths = %q, want %q", s.Paths, tt.wantPaths)
			}
			if s.Revision != tt.wantRev {
				t.Errorf("Revision = %s, want %s", s.Revision, tt.wantRev)
			}
			if tt.wantURL != "" && s.URL != tt.wantURL {
				t.Errorf("URL = %s, want %s", s.URL, tt.wantURL)
			}
			if s.Dirty() {
				t.Errorf("Dirty on a clean work tree")
			}
		})
	}
}

func TestOpenDirtyWorkTree(t *testing.T) {
	f := newGitFixture(t)
	writeFiles(t, f.top, map[string]string{"deploy/overlays/dev/new.yaml": "kind: ConfigMap\n"})
	o := Options{Source: filepath.Join(f.top, "deploy/overlays/dev")}
	s, err := o.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Dirty() || s.Revision != f.second {
		t.Errorf("Dirty = %v, Revision = %s; want true, %s", s.Dirty(), s.Revision, f.second)
	}
}

func TestOpenCloseRemovesClone(t *testing.T) {
	f := newGitFixture(t)
	o := Options{Source: f.top, Ref: f.first}
	s, err := o.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(s.Root); !os.IsNotExist(err) {
		t.Errorf("clone %s still there after Close: %v", s.Root, err)
	}
	if _, err := os.Stat(filepath.Join(f.top, "README.md")); err != nil {
		t.Errorf("Close touched the work tree: %v", err)
	}
}
