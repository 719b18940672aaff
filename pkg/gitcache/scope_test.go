package gitcache

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestScopes: a commit one scope (an installation, with its credentials) fetched is
// never served to another scope from the cache: the other asks the remote with its own
// credentials, and fails when they do not reach it (here: the remote is gone).
func TestScopes(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "private", 2)
	c := newCache(t, Options{})
	ctx := context.Background()
	co, err := c.Checkout(ctx, Request{URL: r.url, Scope: "1", Name: "acme/private"})
	if err != nil {
		t.Fatal(err)
	}
	sha := co.Revision
	co.Close()
	if err := os.RemoveAll(r.bare); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Checkout(ctx, Request{URL: r.url, Ref: sha, Scope: "2"}); err == nil || !strings.Contains(err.Error(), r.url) {
		t.Errorf("scope 2 asked for scope 1's commit: %v, want an error naming %s", err, r.url)
	}
	co, err = c.Checkout(ctx, Request{URL: r.url, Ref: sha, Scope: "1"})
	if err != nil {
		t.Fatalf("scope 1's own commit: %v", err)
	}
	co.Close()
	if n := c.ForgetName("acme/private"); n != 1 {
		t.Errorf("ForgetName forgot %d, want 1 (scope 1's)", n)
	}
}
