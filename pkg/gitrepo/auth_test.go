package gitrepo

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

const testToken = "ghs_s3cr3tT0ken"

// requireToken answers 401 unless the request carries basic auth with testToken.
func requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, pw, ok := req.BasicAuth(); !ok || pw != testToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, req)
	})
}

func TestAuthFromEnv(t *testing.T) {
	tests := []struct {
		name, gitToken, githubToken, want string
	}{
		{name: "none"},
		{name: "GIT_TOKEN", gitToken: "tokA1", want: "tokA1"},
		{name: "GITHUB_TOKEN", githubToken: "tokB2", want: "tokB2"},
		{name: "GIT_TOKEN wins", gitToken: "tokA1", githubToken: "tokB2", want: "tokA1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GIT_TOKEN", tt.gitToken)
			t.Setenv("GITHUB_TOKEN", tt.githubToken)
			a := AuthFromEnv()
			if tt.want == "" {
				if a != nil {
					t.Fatalf("AuthFromEnv() = %v, want nil", a)
				}
				return
			}
			ba, ok := a.(*githttp.BasicAuth)
			if !ok || ba.Username != "x-access-token" || ba.Password != tt.want {
				t.Fatalf("AuthFromEnv() = %#v, want basic auth x-access-token/%s", a, tt.want)
			}
			if strings.Contains(ba.String(), tt.want) {
				t.Errorf("String() shows the token: %s", ba.String())
			}
		})
	}
}

func TestAuthFor(t *testing.T) {
	t.Parallel()
	basic := &githttp.BasicAuth{Username: "u", Password: "p"}
	ssh := &gitssh.Password{User: "git", Password: "p"}
	tests := []struct {
		protocol string
		in, want transport.AuthMethod
	}{
		{"https", basic, basic},
		{"http", basic, basic},
		{"ssh", basic, nil},
		{"file", basic, nil},
		{"ssh", ssh, ssh},
		{"https", ssh, nil},
		{"https", nil, nil},
	}
	for _, tt := range tests {
		if got := authFor(tt.protocol, tt.in); got != tt.want {
			t.Errorf("authFor(%s, %v) = %v, want %v", tt.protocol, tt.in, got, tt.want)
		}
	}
}

func TestAuthenticatedRemote(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, wrapHandler(requireToken))

	t.Run("no credentials", func(t *testing.T) {
		_, err := Open(ctx, f.url, "main")
		if err == nil || !contains(err.Error(), f.url) || !contains(err.Error(), "authentication required") {
			t.Errorf("Open without credentials: %v, want 'authentication required' naming %s", err, f.url)
		}
	})
	t.Run("wrong token in URL", func(t *testing.T) {
		src := strings.Replace(f.url, "://", "://x-access-token:wr0ngT0ken@", 1)
		_, err := Open(ctx, src, "main")
		if err == nil || strings.Contains(err.Error(), "wr0ngT0ken") || !contains(err.Error(), f.url) || !contains(err.Error(), "refused") {
			t.Errorf("Open with a wrong token: %v, want 'refused' naming %s without the token", err, f.url)
		}
	})
	t.Run("token in URL", func(t *testing.T) {
		r, err := Open(ctx, strings.Replace(f.url, "://", "://x-access-token:"+testToken+"@", 1), "main")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.URL() != f.url {
			t.Errorf("URL() = %s, want %s", r.URL(), f.url)
		}
	})
	t.Run("token from env", func(t *testing.T) {
		t.Setenv("GIT_TOKEN", testToken)
		r, err := Open(ctx, f.url, "main", WithAuth(AuthFromEnv()))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if changed, err := r.Update(ctx); err != nil || changed {
			t.Errorf("Update = %v, %v", changed, err)
		}
		if err := r.SetTag(ctx, "gitops-sync", ""); err != nil {
			t.Fatal(err)
		}
		if got := f.bareRev(t, "refs/tags/gitops-sync"); got != r.Revision() {
			t.Errorf("remote tag = %s, want %s", got, r.Revision())
		}
	})
	t.Run("wrong token from env", func(t *testing.T) {
		_, err := Open(ctx, f.url, "main", WithAuth(&githttp.BasicAuth{Username: "x-access-token", Password: "wr0ngT0ken"}))
		if err == nil || strings.Contains(err.Error(), "wr0ngT0ken") || !contains(err.Error(), "refused") {
			t.Errorf("Open with a wrong token: %v, want 'refused' without the token", err)
		}
	})
}
