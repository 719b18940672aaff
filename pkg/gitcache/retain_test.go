package gitcache

import (
	"slices"
	"testing"
)

// TestForgetUnlisted: after a restart, the repositories a listing no longer has (removed
// from the installation while the process was down) are forgotten; listed ones and
// ones cached without a name stay; one in use goes when its job ends.
func TestForgetUnlisted(t *testing.T) {
	rem := newRemote(t)
	kept, removed, busy, unnamed := rem.newRepo(t, "kept", 1), rem.newRepo(t, "removed", 1), rem.newRepo(t, "busy", 1), rem.newRepo(t, "unnamed", 1)
	c := newCache(t, Options{})
	named(t, c, kept.url, "acme/kept").Close()
	named(t, c, removed.url, "acme/removed").Close()
	named(t, c, busy.url, "acme/busy").Close()
	checkout(t, c, unnamed.url, "main").Close()
	c.Close()
	c, err := New(Options{Dir: c.Dir(), WorkDir: c.work}) // names known from the used files
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	inUse := named(t, c, busy.url, "acme/busy")

	if n := c.ForgetUnlisted(func(scope, name string) bool { return scope == "" && name == "acme/kept" }); n != 2 {
		t.Errorf("forgot %d repositories, want 2 (removed, busy)", n)
	}
	want := []string{busy.url, kept.url, unnamed.url}
	slices.Sort(want)
	if got := c.URLs(); !slices.Equal(got, want) {
		t.Errorf("cached while busy is in use: %v, want %v", got, want)
	}
	if readFile(t, inUse.Dir, "version") != "1\n" {
		t.Error("the open checkout lost its files")
	}
	inUse.Close()
	want = []string{kept.url, unnamed.url}
	slices.Sort(want)
	if got := c.URLs(); !slices.Equal(got, want) {
		t.Errorf("cached after the last job: %v, want %v", got, want)
	}
}
