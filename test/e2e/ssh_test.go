package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

const deployKeyPassphrase = "d3ploy-k3y-passphrase"

// sshRemote is a bare repository served over SSH by an in-process server that lets in
// one deploy key (encrypted with deployKeyPassphrase); the key and a known_hosts file
// pinning the server's host key are temp files.
type sshRemote struct {
	srv        *gitrepotest.SSHServer
	key        gitrepotest.Key
	bare       string
	url        string // ssh://git@127.0.0.1:PORT/fleet.git
	keyFile    string
	knownHosts string
}

func newSSHRemote(t *testing.T, files map[string]string) *sshRemote {
	t.Helper()
	root := t.TempDir()
	bare := gitrepotest.NewRepo(t, files).Bare(t, filepath.Join(root, "fleet.git"))

	key, err := gitrepotest.NewKey(deployKeyPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gitrepotest.NewSSHServer(root, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	s := &sshRemote{srv: srv, key: key, bare: bare, url: srv.URL("fleet.git"),
		keyFile:    filepath.Join(dir, "deploy_key"),
		knownHosts: filepath.Join(dir, "known_hosts"),
	}
	writeFile0600(t, s.keyFile, string(key.PEM))
	writeFile0600(t, s.knownHosts, srv.KnownHostsLine()+"\n")
	return s
}

func writeFile0600(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// flags are --git-ssh-key and --git-known-hosts for this remote.
func (s *sshRemote) flags() []string {
	return []string{"--git-ssh-key", s.keyFile, "--git-known-hosts", s.knownHosts}
}

// TestSSHDeployKey plans and applies a repository cloned over SSH with an encrypted
// deploy key (passphrase from GIT_SSH_KEY_PASSPHRASE) and a pinned host key, moves the
// sync tag over SSH, and reads it again through an scp-like address and through the
// environment (GIT_SSH_KEY holding the key itself, GIT_KNOWN_HOSTS).
func TestSSHDeployKey(t *testing.T) {
	ns := unique("ssh")
	set := ns
	s := newSSHRemote(t, map[string]string{
		"ns.yaml": sprintf(nsShop, ns),
		"cm.yaml": cm("over-ssh", ns, "via: ssh"),
	})
	t.Setenv("GIT_SSH_KEY_PASSPHRASE", deployKeyPassphrase)

	res := mustGitops(t, 1, append([]string{"plan", s.url, "--applyset", set}, s.flags()...)...)
	requireContainsAll(t, res.out, "create", "ConfigMap "+ns+"/over-ssh")
	requireNothingWritten(t, set)

	mustGitops(t, 0, append([]string{"apply", s.url, "--applyset", set, "--git-sync-tag", "deployed"}, s.flags()...)...)
	requireExists(t, gvrConfigMap, ns, "over-ssh")
	head, _ := gitrepotest.Command(s.bare, "rev-parse", "main").Output()
	tag, err := gitrepotest.Command(s.bare, "rev-parse", "deployed").Output()
	if err != nil || string(tag) != string(head) {
		t.Fatalf("sync tag pushed over SSH = %q (%v), want %q", tag, err, head)
	}

	scp := "git@" + s.srv.Addr + ":fleet.git" // go-git's host:port:path form of git@host:path
	mustGitops(t, 0, append([]string{"plan", scp, "--applyset", set}, s.flags()...)...)

	t.Setenv("GIT_SSH_KEY", string(s.key.PEM))
	t.Setenv("GIT_KNOWN_HOSTS", s.knownHosts)
	mustGitops(t, 0, "plan", s.url, "--applyset", set)
}

// TestSSHRefusals: a changed or unknown host key stops the command before any
// authentication, with an error saying what to check; a wrong passphrase is named
// without being shown. Nothing is written to the cluster.
func TestSSHRefusals(t *testing.T) {
	ns := unique("ssh-refused")
	set := ns
	s := newSSHRemote(t, map[string]string{"cm.yaml": cm("never", ns, "a: b")})
	other, err := gitrepotest.NewKey("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	changed := filepath.Join(dir, "changed")
	writeFile0600(t, changed, gitrepotest.KnownHostsLine(s.srv.Addr, other.Public())+"\n")
	unknown := filepath.Join(dir, "unknown")
	writeFile0600(t, unknown, "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
	hostKey := ssh.FingerprintSHA256(s.srv.HostKey.PublicKey())

	tests := []struct {
		name       string
		knownHosts string
		passphrase string
		want       []string
		noAuth     bool
	}{
		{"changed host key", changed, deployKeyPassphrase,
			[]string{"SSH host key does not match known_hosts", s.srv.Addr, hostKey, changed + ":1", "not connecting"}, true},
		{"unknown host", unknown, deployKeyPassphrase,
			[]string{"SSH host key unknown", s.srv.Addr, "is not in " + unknown, hostKey}, true},
		{"wrong passphrase", s.knownHosts, "wr0ng-passphrase",
			[]string{"SSH key file " + s.keyFile, "wrong passphrase in GIT_SSH_KEY_PASSPHRASE"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GIT_SSH_KEY_PASSPHRASE", tt.passphrase)
			before := s.srv.AuthAttempts()
			res := mustGitops(t, 2, "plan", s.url, "--applyset", set, "--git-ssh-key", s.keyFile, "--git-known-hosts", tt.knownHosts)
			requireContainsAll(t, res.err, tt.want...)
			for _, secret := range []string{tt.passphrase, string(s.key.PEM[40:80])} {
				if strings.Contains(res.out+res.err, secret) {
					t.Errorf("output shows a secret:\n%s", res)
				}
			}
			if n := s.srv.AuthAttempts() - before; tt.noAuth && n != 0 {
				t.Errorf("%d authentication attempts, want 0", n)
			}
			requireNothingWritten(t, set)
		})
	}
}

// TestSSHImagesUpdatePush: `images update --push` clones over SSH with the deploy key,
// updates the tag and pushes the commit back over SSH.
func TestSSHImagesUpdatePush(t *testing.T) {
	reg := imagestest.NewRegistry()
	t.Cleanup(reg.Close)
	img, err := imagestest.Image(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagestest.PushTags(t.Context(), reg.Host(), "shop/web", img, "1.1.0", "1.1.3", "1.2.0"); err != nil {
		t.Fatal(err)
	}
	s := newSSHRemote(t, map[string]string{"web.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.web: semver:~1.1
spec:
  template:
    spec:
      containers:
        - name: web
          image: %s/shop/web:1.1.0
`, reg.Host())})
	t.Setenv("GIT_SSH_KEY_PASSPHRASE", deployKeyPassphrase)

	res := mustGitops(t, 0, append([]string{"images", "update", s.url, "--push", "--git-user=bot", "--git-email=bot@example.com",
		"--cluster-credentials=false", "--registry-cache-dir=" + t.TempDir()}, s.flags()...)...)
	requireContainsAll(t, res.out, "Pushed to main.")
	web, err := gitrepotest.Command(s.bare, "show", "main:web.yaml").CombinedOutput()
	if err != nil || !strings.Contains(string(web), reg.Host()+"/shop/web:1.1.3") {
		t.Fatalf("web.yaml on the remote after the push (%v):\n%s", err, web)
	}
	var pushes int
	for _, c := range s.srv.Commands() {
		if c == "git-receive-pack '/fleet.git'" {
			pushes++
		}
	}
	if pushes != 1 {
		t.Errorf("receive-pack runs = %d, want 1: %q", pushes, s.srv.Commands())
	}
}
