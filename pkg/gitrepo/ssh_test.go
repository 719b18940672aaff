package gitrepo

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

const testPassphrase = "c0rrect-h0rse-battery"

// sshFixture is the fixture's bare repository also served over SSH, with a client key
// the server accepts and a known_hosts file pinning the server's host key.
type sshFixture struct {
	*fixture
	srv        *gitrepotest.SSHServer
	key        gitrepotest.Key
	keyFile    string
	knownHosts string
	url        string // ssh://git@127.0.0.1:PORT/repo.git
}

func newSSHFixture(t *testing.T, extraHostKeys ...ssh.Signer) *sshFixture {
	t.Helper()
	f := &sshFixture{fixture: newFixture(t)}
	var err error
	if f.key, err = gitrepotest.NewKey(""); err != nil {
		t.Fatal(err)
	}
	if f.srv, err = gitrepotest.NewSSHServer(f.root, f.key.Public(), extraHostKeys...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	dir := t.TempDir()
	f.keyFile = writeSecret(t, filepath.Join(dir, "id_ed25519"), f.key.PEM)
	f.knownHosts = writeSecret(t, filepath.Join(dir, "known_hosts"), []byte(f.srv.KnownHostsLine()+"\n"))
	f.url = f.srv.URL("repo.git")
	return f
}

func writeSecret(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newFlagSet() *pflag.FlagSet { return pflag.NewFlagSet("test", pflag.ContinueOnError) }

func testSigner(t *testing.T) ssh.Signer {
	t.Helper()
	k, err := gitrepotest.NewKey("")
	if err != nil {
		t.Fatal(err)
	}
	return k.Signer
}

func mustAuth(t *testing.T, o AuthOptions) Option {
	t.Helper()
	a, err := o.Auth()
	if err != nil {
		t.Fatal(err)
	}
	return WithAuth(a)
}

// TestSSHDeployKey clones, polls, commits, pushes and moves a tag over SSH with a key
// file and strict host-key checking, for an ssh:// URL and an scp-like address.
func TestSSHDeployKey(t *testing.T) {
	ctx := context.Background()
	f := newSSHFixture(t)
	auth := mustAuth(t, AuthOptions{SSHKeyFile: f.keyFile, KnownHostsFile: f.knownHosts})

	for _, src := range []string{f.url, "git@" + f.srv.Addr + ":repo.git"} {
		r, err := Open(ctx, src, "main", auth)
		if err != nil {
			t.Fatalf("Open(%s): %v", src, err)
		}
		if r.Revision() != f.second {
			t.Errorf("Open(%s) revision = %s, want %s", src, r.Revision(), f.second)
		}
		r.Close()
	}

	r, err := Open(ctx, f.url, "main", auth)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	next := f.commit(t, "main", "version", "3\n")
	if changed, err := r.Update(ctx); err != nil || !changed || r.Revision() != next {
		t.Fatalf("Update = %v, %v; revision %s, want %s", changed, err, r.Revision(), next)
	}
	writeFile(t, filepath.Join(r.Dir(), "version"), "4\n")
	sha, err := r.Commit("bump over ssh", CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Push(ctx, "main"); err != nil {
		t.Fatalf("Push: %v", err)
	}
	if got := f.bareRev(t, "refs/heads/main"); got != sha {
		t.Errorf("remote main = %s, want %s", got, sha)
	}
	if err := r.SetTag(ctx, "gitops-sync", ""); err != nil {
		t.Fatalf("SetTag: %v", err)
	}
	if got := f.bareRev(t, "refs/tags/gitops-sync"); got != sha {
		t.Errorf("remote tag = %s, want %s", got, sha)
	}
	var pushes int
	for _, c := range f.srv.Commands() {
		if c == "git-receive-pack '/repo.git'" {
			pushes++
		}
	}
	if pushes != 2 {
		t.Errorf("receive-pack runs = %d, want 2; commands: %q", pushes, f.srv.Commands())
	}
}

// TestSSHFromEnv: GIT_SSH_KEY holds a path or the key itself; GIT_KNOWN_HOSTS a path;
// the flags AddFlags registers win over the environment.
func TestSSHFromEnv(t *testing.T) {
	ctx := context.Background()
	f := newSSHFixture(t)
	tests := []struct{ name, key string }{
		{"key file", f.keyFile},
		{"key content", string(f.key.PEM)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvSSHKey, tt.key)
			t.Setenv(EnvKnownHosts, f.knownHosts)
			r, err := Open(ctx, f.url, "main", WithAuth(AuthFromEnv()))
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
		})
	}
	t.Run("flags win", func(t *testing.T) {
		t.Setenv(EnvSSHKey, filepath.Join(t.TempDir(), "absent"))
		t.Setenv(EnvKnownHosts, filepath.Join(t.TempDir(), "absent"))
		fs := newFlagSet()
		AddFlags(fs)
		if err := fs.Parse([]string{"--git-ssh-key", f.keyFile, "--git-known-hosts", f.knownHosts}); err != nil {
			t.Fatal(err)
		}
		defer AddFlags(newFlagSet())
		r, err := Open(ctx, f.url, "main", WithAuth(AuthFromEnv()))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})
	t.Run("a broken key does not stop https", func(t *testing.T) {
		t.Setenv(EnvSSHKey, filepath.Join(t.TempDir(), "absent"))
		r, err := Open(ctx, f.fixture.url, "main", WithAuth(AuthFromEnv()))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		_, err = Open(ctx, f.url, "main", WithAuth(AuthFromEnv()))
		if err == nil || !strings.Contains(err.Error(), "absent") {
			t.Errorf("Open over ssh with an absent key: %v, want an error naming the file", err)
		}
	})
}

// TestSSHHostKeyRefused: an unknown host or a changed host key ends the connection
// during key exchange, before any authentication, with an error saying so.
func TestSSHHostKeyRefused(t *testing.T) {
	ctx := context.Background()
	f := newSSHFixture(t)
	other := testSigner(t).PublicKey()
	tests := []struct {
		name, knownHosts string
		want             error
		wantText         []string
	}{
		{
			name:       "changed",
			knownHosts: "# pinned\n" + gitrepotest.KnownHostsLine(f.srv.Addr, other) + "\n",
			want:       ErrHostKeyChanged,
			wantText:   []string{f.srv.Addr, ssh.FingerprintSHA256(f.srv.HostKey.PublicKey()), ssh.FingerprintSHA256(other), "known_hosts:2", "not connecting"},
		},
		{
			name:       "unknown host",
			knownHosts: gitrepotest.KnownHostsLine("git.example.com:22", f.srv.HostKey.PublicKey()) + "\n",
			want:       ErrHostKeyUnknown,
			wantText:   []string{f.srv.Addr, "is not in", "known_hosts", ssh.FingerprintSHA256(f.srv.HostKey.PublicKey())},
		},
		{
			name:     "empty known_hosts",
			want:     ErrHostKeyUnknown,
			wantText: []string{f.srv.Addr, "is not in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kh := writeSecret(t, filepath.Join(t.TempDir(), "known_hosts"), []byte(tt.knownHosts))
			before := f.srv.AuthAttempts()
			_, err := Open(ctx, f.url, "main", mustAuth(t, AuthOptions{SSHKeyFile: f.keyFile, KnownHostsFile: kh}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			if n := f.srv.AuthAttempts() - before; n != 0 {
				t.Errorf("%d authentication attempts after a refused host key, want 0", n)
			}
		})
	}
}

// TestSSHPinnedKeyType: known_hosts pins only the ed25519 key of a server that also
// has an RSA key: the client asks for ed25519 and connects.
func TestSSHPinnedKeyType(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaHost, err := ssh.NewSignerFromKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	f := newSSHFixture(t, rsaHost)
	r, err := Open(context.Background(), f.url, "main", mustAuth(t, AuthOptions{SSHKeyFile: f.keyFile, KnownHostsFile: f.knownHosts}))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

// TestSSHKeyErrors: an encrypted key needs GIT_SSH_KEY_PASSPHRASE; every bad key gives
// an error naming the file (or GIT_SSH_KEY), never the key or the passphrase.
func TestSSHKeyErrors(t *testing.T) {
	ctx := context.Background()
	f := newSSHFixture(t)
	enc, err := gitrepotest.NewKey(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	encFile := writeSecret(t, filepath.Join(dir, "deploy_key"), enc.PEM)
	pubFile := writeSecret(t, filepath.Join(dir, "id_ed25519.pub"), ssh.MarshalAuthorizedKey(f.key.Public()))
	unreadable := writeSecret(t, filepath.Join(dir, "unreadable"), f.key.PEM)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	encSrv, err := gitrepotest.NewSSHServer(f.root, enc.Public())
	if err != nil {
		t.Fatal(err)
	}
	defer encSrv.Close()
	encKnownHosts := writeSecret(t, filepath.Join(dir, "known_hosts"), []byte(encSrv.KnownHostsLine()+"\n"))

	t.Run("encrypted key with its passphrase", func(t *testing.T) {
		t.Setenv(EnvSSHKeyPassphrase, testPassphrase)
		r, err := Open(ctx, encSrv.URL("repo.git"), "main", mustAuth(t, AuthOptions{SSHKeyFile: encFile, KnownHostsFile: encKnownHosts}))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})

	tests := []struct {
		name       string
		opts       AuthOptions
		env        map[string]string
		want       []string
		notWant    []string
		unreadable bool
	}{
		{
			name:    "wrong passphrase",
			opts:    AuthOptions{SSHKeyFile: encFile, KnownHostsFile: encKnownHosts},
			env:     map[string]string{EnvSSHKeyPassphrase: "wr0ng-passphrase"},
			want:    []string{encFile, "wrong passphrase", EnvSSHKeyPassphrase},
			notWant: []string{"wr0ng-passphrase"},
		},
		{
			name: "no passphrase",
			opts: AuthOptions{SSHKeyFile: encFile, KnownHostsFile: encKnownHosts},
			want: []string{encFile, "is encrypted", EnvSSHKeyPassphrase},
		},
		{
			name:    "wrong passphrase for the key in GIT_SSH_KEY",
			env:     map[string]string{EnvSSHKey: string(enc.PEM), EnvSSHKeyPassphrase: "wr0ng-passphrase", EnvKnownHosts: encKnownHosts},
			want:    []string{EnvSSHKey, "wrong passphrase"},
			notWant: []string{"wr0ng-passphrase", "BEGIN"},
		},
		{
			name:    "base64 key in GIT_SSH_KEY",
			env:     map[string]string{EnvSSHKey: base64.StdEncoding.EncodeToString(enc.PEM), EnvKnownHosts: encKnownHosts},
			want:    []string{EnvSSHKey, "neither a file path nor a PEM private key"},
			notWant: []string{base64.StdEncoding.EncodeToString(enc.PEM)[:40]},
		},
		{
			name: "no such key file",
			opts: AuthOptions{SSHKeyFile: filepath.Join(dir, "absent"), KnownHostsFile: f.knownHosts},
			want: []string{filepath.Join(dir, "absent"), "no such file"},
		},
		{
			name:       "unreadable key file",
			opts:       AuthOptions{SSHKeyFile: unreadable, KnownHostsFile: f.knownHosts},
			want:       []string{unreadable, "permission denied"},
			unreadable: true,
		},
		{
			name: "public key given",
			opts: AuthOptions{SSHKeyFile: pubFile, KnownHostsFile: f.knownHosts},
			want: []string{pubFile, "public key"},
		},
		{
			name: "no such known_hosts",
			opts: AuthOptions{SSHKeyFile: f.keyFile, KnownHostsFile: filepath.Join(dir, "absent_hosts")},
			want: []string{filepath.Join(dir, "absent_hosts"), "no such file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unreadable && os.Geteuid() == 0 {
				// root reads any file: make it a directory instead.
				tt.opts.SSHKeyFile = dir
				tt.want = []string{dir, "is a directory"}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := tt.opts.Auth()
			if err == nil {
				t.Fatal("Auth succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			for _, w := range append(tt.notWant, testPassphrase, string(f.key.PEM[40:80]), string(enc.PEM[40:80])) {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error shows %q: %v", w, err)
				}
			}
			// AuthFromEnv defers the same error to the first ssh remote.
			AddFlags(newFlagSet())
			commandLine = tt.opts
			defer AddFlags(newFlagSet())
			if _, err2 := Open(ctx, f.url, "main", WithAuth(AuthFromEnv())); err2 == nil || !strings.Contains(err2.Error(), err.Error()) {
				t.Errorf("Open with AuthFromEnv = %v, want it to carry %q", err2, err)
			}
		})
	}

	t.Run("key not authorized", func(t *testing.T) {
		other, err := gitrepotest.NewKey("")
		if err != nil {
			t.Fatal(err)
		}
		k := writeSecret(t, filepath.Join(t.TempDir(), "other"), other.PEM)
		_, err = Open(ctx, f.url, "main", mustAuth(t, AuthOptions{SSHKeyFile: k, KnownHostsFile: f.knownHosts}))
		if err == nil || !strings.Contains(err.Error(), RedactURL(f.url)) || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("Open with a key the server refuses: %v", err)
		}
	})
}

func TestIsRemote(t *testing.T) {
	dir := t.TempDir()
	colon := filepath.Join(dir, "a:b")
	if err := os.Mkdir(colon, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src  string
		want bool
	}{
		{"https://github.com/org/repo.git", true},
		{"ssh://git@github.com/org/repo.git", true},
		{"file:///srv/repo.git", true},
		{"git@github.com:org/repo.git", true},
		{"github.com:org/repo.git", true},
		{"git@127.0.0.1:2222:repo.git", true},
		{dir, false},
		{colon, false},
		{"./clusters/prod", false},
		{"clusters/prod", false},
		{".", false},
	} {
		if got := IsRemote(tt.src); got != tt.want {
			t.Errorf("IsRemote(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// TestDocsForgeHostKeys: every known_hosts line docs/git.md gives for the forges parses,
// and its fingerprint is the one the table next to it lists for that host.
func TestDocsForgeHostKeys(t *testing.T) {
	doc := readFile(t, filepath.Join("..", "..", "docs", "git.md"))
	var keys int
	for _, line := range strings.Split(doc, "\n") {
		host, _, _ := strings.Cut(line, " ")
		if host != "github.com" && host != "gitlab.com" && host != "bitbucket.org" {
			continue
		}
		_, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
		if err != nil || len(hosts) != 1 || hosts[0] != host {
			t.Errorf("known_hosts line %q: hosts %v, %v", line, hosts, err)
			continue
		}
		keys++
		row := "| " + host + " |"
		i := strings.Index(doc, row)
		if i < 0 {
			t.Errorf("no fingerprint row for %s", host)
			continue
		}
		rowText, _, _ := strings.Cut(doc[i:], "\n")
		if fp := ssh.FingerprintSHA256(key); !strings.Contains(rowText, "`"+fp+"`") {
			t.Errorf("%s %s key has fingerprint %s, not in its row: %s", host, key.Type(), fp, rowText)
		}
	}
	if keys != 9 {
		t.Errorf("%d forge host keys in docs/git.md, want 9 (ed25519, ecdsa, rsa for 3 forges)", keys)
	}
}

// TestSSHAgent: without a key the SSH agent signs, as before; --git-known-hosts alone
// pins the host key for it; without an agent the error says what to give.
func TestSSHAgent(t *testing.T) {
	ctx := context.Background()
	f := newSSHFixture(t)
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: f.key.Private}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)

	t.Run("no options: agent and SSH_KNOWN_HOSTS", func(t *testing.T) {
		t.Setenv("SSH_KNOWN_HOSTS", f.knownHosts)
		r, err := Open(ctx, f.url, "main", WithAuth(AuthFromEnv()))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})
	t.Run("agent with --git-known-hosts", func(t *testing.T) {
		r, err := Open(ctx, f.url, "main", mustAuth(t, AuthOptions{KnownHostsFile: f.knownHosts}))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})
	t.Run("agent with a changed host key", func(t *testing.T) {
		kh := writeSecret(t, filepath.Join(t.TempDir(), "known_hosts"), []byte(gitrepotest.KnownHostsLine(f.srv.Addr, testSigner(t).PublicKey())+"\n"))
		_, err := Open(ctx, f.url, "main", mustAuth(t, AuthOptions{KnownHostsFile: kh}))
		if !errors.Is(err, ErrHostKeyChanged) {
			t.Fatalf("Open = %v, want %v", err, ErrHostKeyChanged)
		}
	})
	t.Run("no agent", func(t *testing.T) {
		t.Setenv("SSH_AUTH_SOCK", "")
		_, err := Open(ctx, f.url, "main", mustAuth(t, AuthOptions{KnownHostsFile: f.knownHosts}))
		if err == nil || !strings.Contains(err.Error(), "SSH agent is not usable") || !strings.Contains(err.Error(), "--git-ssh-key") {
			t.Fatalf("Open without an agent = %v", err)
		}
	})
}
