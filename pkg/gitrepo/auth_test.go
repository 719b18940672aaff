package gitrepo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	xssh "golang.org/x/crypto/ssh"
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
	hosts := &knownHosts{
		check: func(string, net.Addr, xssh.PublicKey) error { return nil },
		algos: func(string) []string { return nil },
	}
	both := &credentials{web: basic, ssh: &sshAuth{hosts: hosts, signer: testSigner(t)}}
	sshOnly := &credentials{ssh: both.ssh}
	broken := &credentials{web: basic, ssh: &sshAuth{err: errors.New("SSH key file k: wrong passphrase")}}
	tests := []struct {
		url      string
		in, want transport.AuthMethod
		wantSSH  bool
		wantErr  string
	}{
		{url: "https://h/r.git", in: basic, want: basic},
		{url: "http://h/r.git", in: basic, want: basic},
		{url: "ssh://git@h/r.git", in: basic},
		{url: "file:///r.git", in: basic},
		{url: "ssh://git@h/r.git", in: ssh, want: ssh},
		{url: "https://h/r.git", in: ssh},
		{url: "https://h/r.git"},
		{url: "https://h/r.git", in: both, want: basic},
		{url: "https://h/r.git", in: sshOnly},
		{url: "ssh://git@h/r.git", in: both, wantSSH: true},
		{url: "git@h:r.git", in: sshOnly, wantSSH: true},
		{url: "file:///r.git", in: both},
		{url: "https://h/r.git", in: broken, want: basic},
		{url: "ssh://git@h/r.git", in: broken, wantErr: "wrong passphrase"},
	}
	for _, tt := range tests {
		ep, err := transport.NewEndpoint(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := authFor(ep, tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("authFor(%s, %v) error = %v, want %q", tt.url, tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("authFor(%s, %v): %v", tt.url, tt.in, err)
		case tt.wantSSH:
			if pk, ok := got.(*gitssh.PublicKeys); !ok || pk.User != "git" || pk.HostKeyCallback == nil {
				t.Errorf("authFor(%s, %v) = %#v, want public keys as git with a host key check", tt.url, tt.in, got)
			}
		case got != tt.want:
			t.Errorf("authFor(%s, %v) = %v, want %v", tt.url, tt.in, got, tt.want)
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
