package gitrepo

import (
	"os"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/spf13/pflag"
)

// The environment variables that carry git credentials.
const (
	// EnvSSHKey is the SSH private key file (a deploy key); it may also hold the key
	// itself (PEM text beginning with "-----BEGIN "), as CI secrets often do.
	EnvSSHKey = "GIT_SSH_KEY"
	// EnvSSHKeyPassphrase decrypts an encrypted SSH key.
	EnvSSHKeyPassphrase = "GIT_SSH_KEY_PASSPHRASE"
	// EnvKnownHosts is the known_hosts file holding the git servers' host keys.
	EnvKnownHosts = "GIT_KNOWN_HOSTS"
)

// AuthOptions say how to authenticate to git remotes beyond a token: an SSH private
// key instead of the SSH agent, and a known_hosts file for strict host-key checking.
// Empty fields fall back to the environment (GIT_SSH_KEY, GIT_SSH_KEY_PASSPHRASE,
// GIT_KNOWN_HOSTS).
type AuthOptions struct {
	SSHKeyFile       string // private key file (--git-ssh-key)
	SSHKeyPassphrase string // never a flag: command lines are visible to other users
	KnownHostsFile   string // known_hosts file (--git-known-hosts)
}

// AddFlags registers --git-ssh-key and --git-known-hosts.
func (o *AuthOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.SSHKeyFile, "git-ssh-key", o.SSHKeyFile,
		"SSH private key `FILE` for git over SSH, e.g. a deploy key (env "+EnvSSHKey+"; passphrase from "+EnvSSHKeyPassphrase+"; default: the SSH agent)")
	fs.StringVar(&o.KnownHostsFile, "git-known-hosts", o.KnownHostsFile,
		"known_hosts `FILE` with the git server's SSH host key; an unknown or changed host key is refused (env "+EnvKnownHosts+"; default: ~/.ssh/known_hosts)")
}

// commandLine holds the flags AddFlags registers, for AuthFromEnv.
var commandLine AuthOptions

// AddFlags registers --git-ssh-key and --git-known-hosts on fs for AuthFromEnv to
// read: one process runs one command. Calling it again resets them.
func AddFlags(fs *pflag.FlagSet) {
	commandLine = AuthOptions{}
	commandLine.AddFlags(fs)
}

// Auth returns the credentials to pass to WithAuth, nil when there are none: the
// token of GIT_TOKEN (or GITHUB_TOKEN) for http(s) remotes, and when a key or a
// known_hosts file is given, an SSH method for ssh remotes (without a key, the SSH
// agent signs). It reads the key and the known_hosts file now; an error names the
// file (or GIT_SSH_KEY), never the key or the passphrase.
func (o AuthOptions) Auth() (transport.AuthMethod, error) {
	s, err := o.ssh()
	if err != nil {
		return nil, err
	}
	return combine(tokenFromEnv(), s), nil
}

// AuthFromEnv returns the credentials of the environment and of the flags AddFlags
// registered, as AuthOptions.Auth does, nil when there are none. An unusable SSH key
// or known_hosts file is reported when an ssh remote is used, so it does not stop
// work on an https remote or a local work tree.
func AuthFromEnv() transport.AuthMethod {
	s, err := commandLine.ssh()
	if err != nil {
		s = &sshAuth{err: err}
	}
	return combine(tokenFromEnv(), s)
}

// tokenFromEnv is HTTP basic auth with user "x-access-token" and the token in
// GIT_TOKEN or, when that is empty, GITHUB_TOKEN; nil when neither is set.
func tokenFromEnv() transport.AuthMethod {
	for _, name := range []string{"GIT_TOKEN", "GITHUB_TOKEN"} {
		if tok := os.Getenv(name); tok != "" {
			return TokenAuth(tok)
		}
	}
	return nil
}

func combine(web transport.AuthMethod, s *sshAuth) transport.AuthMethod {
	if s == nil {
		return web
	}
	return &credentials{web: web, ssh: s}
}

// credentials hold one method per kind of remote; authFor picks.
type credentials struct {
	web transport.AuthMethod // http(s); nil: none
	ssh *sshAuth
}

func (c *credentials) Name() string { return "gitops-credentials" }

func (c *credentials) String() string {
	s := "ssh: " + c.ssh.String()
	if c.web != nil {
		s = "http: " + c.web.String() + ", " + s
	}
	return s
}

// authFor returns the method of a that suits the endpoint, nil for none.
func authFor(ep *transport.Endpoint, a transport.AuthMethod) (transport.AuthMethod, error) {
	if a == nil {
		return nil, nil
	}
	web := ep.Protocol == "http" || ep.Protocol == "https"
	switch a := a.(type) {
	case *credentials:
		switch {
		case web:
			return a.web, nil
		case ep.Protocol == "ssh":
			return a.ssh.method(ep)
		}
		return nil, nil
	case githttp.AuthMethod:
		if !web {
			return nil, nil
		}
	case gitssh.AuthMethod:
		if ep.Protocol != "ssh" {
			return nil, nil
		}
	}
	return a, nil
}

// hasCreds reports whether a request to rawURL with auth carries credentials.
func hasCreds(rawURL string, auth transport.AuthMethod) bool {
	if auth != nil {
		return true
	}
	ep, err := transport.NewEndpoint(rawURL)
	return err == nil && ep.Protocol != "ssh" && (ep.User != "" || ep.Password != "")
}
