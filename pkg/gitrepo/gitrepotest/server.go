package gitrepotest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
)

// SSHServer is a git server over SSH on 127.0.0.1. It accepts one client public key,
// and for an exec request runs git-upload-pack or git-receive-pack (nothing else) on a
// bare repository under Root (nothing outside it).
type SSHServer struct {
	// Root holds the bare repositories; ssh://git@ADDR/x.git is Root/x.git.
	Root string
	// Addr is the listening address, 127.0.0.1:PORT.
	Addr string
	// HostKey is the server's ed25519 host key.
	HostKey ssh.Signer

	authorized ssh.PublicKey
	ln         net.Listener
	authTries  atomic.Int64
	wg         sync.WaitGroup

	mu       sync.Mutex
	commands []string
}

// NewSSHServer starts a server for the repositories under root that lets in the
// holder of authorized. Extra host keys (e.g. RSA) are offered besides the ed25519 one.
func NewSSHServer(root string, authorized ssh.PublicKey, extraHostKeys ...ssh.Signer) (*SSHServer, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("ssh server root %s: %w", root, err)
	}
	host, err := NewKey("")
	if err != nil {
		return nil, err
	}
	s := &SSHServer{Root: abs, HostKey: host.Signer, authorized: authorized}
	cfg := &ssh.ServerConfig{PublicKeyCallback: s.checkKey}
	cfg.AddHostKey(host.Signer)
	for _, k := range extraHostKeys {
		cfg.AddHostKey(k)
	}
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ssh server listen: %w", err)
	}
	s.Addr = s.ln.Addr().String()
	s.wg.Add(1)
	go s.serve(cfg)
	return s, nil
}

// URL is the ssh:// URL of the repository at Root/repo.
func (s *SSHServer) URL(repo string) string {
	return "ssh://git@" + s.Addr + "/" + strings.TrimPrefix(repo, "/")
}

// KnownHostsLine is the known_hosts line pinning the server's ed25519 host key:
// "[127.0.0.1]:PORT ssh-ed25519 AAAA...".
func (s *SSHServer) KnownHostsLine() string {
	return KnownHostsLine(s.Addr, s.HostKey.PublicKey())
}

// KnownHostsLine is the known_hosts line for key at addr (host:port).
func KnownHostsLine(addr string, key ssh.PublicKey) string {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && port != "22" {
		host = "[" + host + "]:" + port
	} else if err != nil {
		host = addr
	}
	return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// AuthAttempts counts the public keys clients offered: 0 after a connection refused
// for its host key.
func (s *SSHServer) AuthAttempts() int { return int(s.authTries.Load()) }

// Commands returns the exec requests received, in order.
func (s *SSHServer) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// Close stops listening and waits for the connections being served.
func (s *SSHServer) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *SSHServer) checkKey(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	s.authTries.Add(1)
	if bytes.Equal(key.Marshal(), s.authorized.Marshal()) {
		return &ssh.Permissions{}, nil
	}
	return nil, errors.New("public key not authorized")
}

func (s *SSHServer) serve(cfg *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.conn(c, cfg)
		}()
	}
}

func (s *SSHServer) conn(nc net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		_ = nc.Close()
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.session(ch, creqs)
		}()
	}
	wg.Wait()
}

// session serves one exec request, then closes the channel.
func (s *SSHServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
			continue
		}
		var p struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &p); err != nil {
			_ = req.Reply(false, nil)
			return
		}
		_ = req.Reply(true, nil)
		s.mu.Lock()
		s.commands = append(s.commands, p.Command)
		s.mu.Unlock()
		code := s.exec(ch, p.Command)
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
		return
	}
}

// exec runs an allowed git command, or writes why not to stderr; it returns the exit
// status.
func (s *SSHServer) exec(ch ssh.Channel, command string) uint32 {
	service, dir, err := s.parse(command)
	if err != nil {
		fmt.Fprintf(ch.Stderr(), "fatal: %v\n", err)
		return 128
	}
	cmd := exec.Command("git", strings.TrimPrefix(service, "git-"), dir)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fmt.Fprintf(ch.Stderr(), "fatal: %v\n", err)
		return 128
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(ch.Stderr(), "fatal: %v\n", err)
		return 128
	}
	// Not cmd.Stdin = ch: Wait would wait for a client that never closes its side.
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return uint32(ee.ExitCode())
		}
		return 128
	}
	return 0
}

// parse validates "git-upload-pack '/repo.git'" and returns the service and the
// repository directory under Root.
func (s *SSHServer) parse(command string) (string, string, error) {
	service, arg, ok := strings.Cut(command, " ")
	if !ok || (service != "git-upload-pack" && service != "git-receive-pack") {
		return "", "", fmt.Errorf("command not allowed: %q", command)
	}
	p, err := sqDequote(arg)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", service, err)
	}
	rel := path.Clean("/" + strings.TrimPrefix(p, "~/"))
	if rel == "/" {
		return "", "", fmt.Errorf("%s: no repository", service)
	}
	dir := filepath.Join(s.Root, filepath.FromSlash(rel))
	if st, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil || st.IsDir() {
		return "", "", fmt.Errorf("'%s' does not appear to be a git repository", p)
	}
	return service, dir, nil
}

// sqDequote undoes git's shell quoting of one argument: 'a'\”b' is a'b.
func sqDequote(s string) (string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", fmt.Errorf("argument not single-quoted: %q", s)
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case c == 0:
			return "", fmt.Errorf("NUL in argument %q", s)
		case quoted:
			b.WriteByte(c)
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '!'):
			b.WriteByte(s[i+1])
			i++
		default:
			return "", fmt.Errorf("bad quoting: %q", s)
		}
	}
	if quoted {
		return "", fmt.Errorf("unterminated quote: %q", s)
	}
	return b.String(), nil
}
