package gitrepo

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshAuth is what to authenticate to ssh remotes with: a key (nil: the SSH agent),
// and the known_hosts to check the server against.
type sshAuth struct {
	signer  ssh.Signer
	keyName string // the file, or "the key in GIT_SSH_KEY"; for messages
	hosts   *knownHosts
	err     error // loading failed: reported when an ssh remote is used
}

// ssh loads the key and the known_hosts file of o and the environment; nil when
// neither a key nor a known_hosts file is given (go-git's default: the SSH agent
// with ~/.ssh/known_hosts).
func (o AuthOptions) ssh() (*sshAuth, error) {
	keyFile, keyText := o.SSHKeyFile, ""
	if keyFile == "" {
		v := os.Getenv(EnvSSHKey)
		switch {
		case strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN "):
			keyText = v
		case notAPath(v):
			// Likely a key in another encoding (base64?): never echo it as a file name.
			return nil, fmt.Errorf("%s holds neither a file path nor a PEM private key (the key itself must begin with -----BEGIN)", EnvSSHKey)
		default:
			keyFile = v
		}
	}
	hostsFile := o.KnownHostsFile
	if hostsFile == "" {
		hostsFile = os.Getenv(EnvKnownHosts)
	}
	if keyFile == "" && keyText == "" && hostsFile == "" {
		return nil, nil
	}
	a := &sshAuth{}
	if keyFile != "" || keyText != "" {
		pass := o.SSHKeyPassphrase
		if pass == "" {
			pass = os.Getenv(EnvSSHKeyPassphrase)
		}
		var err error
		if a.signer, a.keyName, err = loadKey(keyFile, keyText, pass); err != nil {
			return nil, err
		}
	}
	var err error
	if a.hosts, err = loadKnownHosts(hostsFile); err != nil {
		return nil, err
	}
	return a, nil
}

// loadKey parses a private key from file, or from text when file is "".
func loadKey(file, text, passphrase string) (ssh.Signer, string, error) {
	name := "the SSH key in " + EnvSSHKey
	pem := []byte(text)
	if file != "" {
		name = "SSH key file " + file
		var err error
		if pem, err = os.ReadFile(file); err != nil {
			return nil, "", fmt.Errorf("read %s: %w", name, pathErr(err))
		}
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == "" {
			return nil, "", fmt.Errorf("%s is encrypted: set %s to its passphrase", name, EnvSSHKeyPassphrase)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, "", fmt.Errorf("%s: wrong passphrase in %s", name, EnvSSHKeyPassphrase)
		}
	}
	if err != nil {
		if _, _, _, _, perr := ssh.ParseAuthorizedKey(pem); perr == nil {
			return nil, "", fmt.Errorf("%s holds a public key: give the private key", name)
		}
		return nil, "", fmt.Errorf("%s is not a usable private key: %w", name, err)
	}
	return signer, name, nil
}

// notAPath reports whether v, which is not an existing file, is too long or has line
// breaks, so is more likely a secret than a path.
func notAPath(v string) bool {
	if _, err := os.Stat(v); err == nil {
		return false
	}
	return len(v) > 255 || strings.ContainsAny(v, "\n\r")
}

// pathErr drops the path of an *fs.PathError: the caller's message names the file.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// knownHosts checks host keys strictly against known_hosts files: an unknown host or
// a changed key is an error, never accepted.
type knownHosts struct {
	files []string
	check ssh.HostKeyCallback
	algos func(hostWithPort string) []string
}

// loadKnownHosts reads file, or when it is "" the default files: $SSH_KNOWN_HOSTS, or
// ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
func loadKnownHosts(file string) (*knownHosts, error) {
	var files []string
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("known_hosts file %s: %w", file, pathErr(err))
		}
		files = []string{file}
	} else {
		files = defaultKnownHosts()
		if len(files) == 0 {
			return nil, fmt.Errorf("no known_hosts file to check the git server's SSH host key against: give --git-known-hosts or %s", EnvKnownHosts)
		}
	}
	db, err := gitssh.NewKnownHostsDb(files...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts %s: %w", strings.Join(files, ", "), err)
	}
	k := &knownHosts{files: files, algos: db.HostKeyAlgorithms}
	dbCheck := db.HostKeyCallback()
	k.check = func(host string, remote net.Addr, key ssh.PublicKey) error {
		return k.explain(host, key, dbCheck(host, remote, key))
	}
	return k, nil
}

// defaultKnownHosts are the known_hosts files ssh reads, those that exist.
func defaultKnownHosts() []string {
	files := filepath.SplitList(os.Getenv("SSH_KNOWN_HOSTS"))
	if len(files) == 0 {
		if home, err := os.UserHomeDir(); err == nil {
			files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
		}
		files = append(files, "/etc/ssh/ssh_known_hosts")
	}
	var out []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// explain turns a known_hosts verdict into an error saying what to check.
func (k *knownHosts) explain(host string, key ssh.PublicKey, err error) error {
	if err == nil {
		return nil
	}
	files := strings.Join(k.files, ", ")
	got := fmt.Sprintf("%s key %s", key.Type(), ssh.FingerprintSHA256(key))
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	switch {
	case errors.As(err, &revoked):
		return fmt.Errorf("%w: %s presented %s, revoked in %s:%d; not connecting", ErrHostKeyChanged, host, got, revoked.Revoked.Filename, revoked.Revoked.Line)
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		return fmt.Errorf("%w: %s is not in %s (strict host-key checking); it presented %s: add the server's key to known_hosts only after checking that fingerprint with its owner", ErrHostKeyUnknown, host, files, got)
	case errors.As(err, &keyErr):
		want := keyErr.Want[0]
		return fmt.Errorf("%w: %s presented %s, but %s:%d pins %s key %s; not connecting (the key was changed, or someone is intercepting the connection)",
			ErrHostKeyChanged, host, got, want.Filename, want.Line, want.Key.Type(), ssh.FingerprintSHA256(want.Key))
	}
	return fmt.Errorf("check SSH host key of %s against %s: %w", host, files, err)
}

// method is the go-git auth method for ep: the key or the agent, as ep's user, with
// the strict host-key check.
func (a *sshAuth) method(ep *transport.Endpoint) (transport.AuthMethod, error) {
	if a.err != nil {
		return nil, a.err
	}
	user := ep.User
	if user == "" {
		user = gitssh.DefaultUsername
	}
	helper := gitssh.HostKeyCallbackHelper{
		HostKeyCallback: a.hosts.check,
		// Ask for the key types known_hosts has for the host: a server also holding
		// an RSA key must not be taken for a changed one when ed25519 is pinned.
		HostKeyAlgorithms: a.hosts.algos(hostWithPort(ep)),
	}
	if a.signer != nil {
		return &gitssh.PublicKeys{User: user, Signer: a.signer, HostKeyCallbackHelper: helper}, nil
	}
	agent, err := gitssh.NewSSHAgentAuth(user)
	if err != nil {
		return nil, fmt.Errorf("no SSH key given (--git-ssh-key, %s) and the SSH agent is not usable: %w", EnvSSHKey, err)
	}
	agent.HostKeyCallbackHelper = helper
	return agent, nil
}

// hostWithPort is the address go-git dials for ep (after ~/.ssh/config's Hostname and
// Port), as known_hosts names it.
func hostWithPort(ep *transport.Endpoint) string {
	host, port := ep.Host, ep.Port
	if cfg := gitssh.DefaultSSHConfig; cfg != nil {
		if h := cfg.Get(ep.Host, "Hostname"); h != "" {
			host = h
			if p, err := strconv.Atoi(cfg.Get(ep.Host, "Port")); err == nil {
				port = p
			}
		}
	}
	if port <= 0 {
		port = gitssh.DefaultPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// String describes the method without secrets.
func (a *sshAuth) String() string {
	switch {
	case a.err != nil:
		return "unusable"
	case a.signer != nil:
		return fmt.Sprintf("%s, known_hosts %s", a.keyName, strings.Join(a.hosts.files, ", "))
	}
	return "SSH agent, known_hosts " + strings.Join(a.hosts.files, ", ")
}
