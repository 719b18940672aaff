package gitrepo

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		ref  func(f *fixture) string
		// move changes the remote behind the Repo's back and returns the commit the Repo
		// should then be at ("" = unchanged).
		move func(t *testing.T, f *fixture) string
	}{
		{
			name: "default branch sees a new commit",
			ref:  func(*fixture) string { return "" },
			move: func(t *testing.T, f *fixture) string { return f.commit(t, "main", "version", "3\n") },
		},
		{
			name: "branch sees a new commit",
			ref:  func(*fixture) string { return "dev" },
			move: func(t *testing.T, f *fixture) string { return f.commit(t, "dev", "version", "dev2\n") },
		},
		{
			name: "branch ignores commits on other branches",
			ref:  func(*fixture) string { return "dev" },
			move: func(t *testing.T, f *fixture) string { f.commit(t, "main", "version", "3\n"); return "" },
		},
		{
			name: "tag sees the tag moved",
			ref:  func(*fixture) string { return "v1" },
			move: func(t *testing.T, f *fixture) string {
				f.repo.Git(t, "tag", "-f", "v1", f.dev)
				f.repo.Git(t, "push", "-q", "-f", "origin", "v1")
				return f.dev
			},
		},
		{
			name: "commit never moves",
			ref:  func(f *fixture) string { return f.first[:8] },
			move: func(t *testing.T, f *fixture) string { f.commit(t, "main", "version", "3\n"); return "" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r, err := Open(ctx, f.url, tt.ref(f))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			before := r.Revision()
			if changed, err := r.Update(ctx); err != nil || changed {
				t.Fatalf("Update with nothing new = %v, %v; want false, nil", changed, err)
			}

			want := tt.move(t, f)
			changed, err := r.Update(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want == "" {
				if changed || r.Revision() != before {
					t.Errorf("Update = %v, revision %s; want unchanged %s", changed, r.Revision(), before)
				}
				return
			}
			if !changed || r.Revision() != want {
				t.Fatalf("Update = %v, revision %s; want true, %s", changed, r.Revision(), want)
			}
			want = gitrepotest.Git(t, f.bare, "show", want+":version")
			if got := readFile(t, filepath.Join(r.Dir(), "version")); got != want+"\n" {
				t.Errorf("work tree not updated: version = %q, want %q", got, want+"\n")
			}
			if dirty, err := r.Dirty(); err != nil || dirty {
				t.Errorf("Dirty after Update = %v, %v", dirty, err)
			}
			if changed, err := r.Update(ctx); err != nil || changed {
				t.Errorf("second Update = %v, %v; want false, nil", changed, err)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.url, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.fetchFollowed(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("fetch with a cancelled context: %v, want context.Canceled", err)
	}

	gitrepotest.Git(t, f.bare, "branch", "-D", "dev")
	_, err = r.Update(ctx)
	if !errors.Is(err, ErrRefNotFound) {
		t.Fatalf("Update after the branch was deleted: %v, want ErrRefNotFound", err)
	}
	if want := `git ref "dev" not found in ` + f.url; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}

	f.srv.Close()
	if _, err := r.Update(ctx); err == nil || !contains(err.Error(), f.url) {
		t.Errorf("Update with the server down: %v, want an error naming %s", err, f.url)
	}
}
