package imagestest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DebianRegistry is Debian's docker-registry (CNCF distribution) on loopback, started
// by hack/registry.sh, which installs the package with apt-get when it is missing.
type DebianRegistry struct {
	Host   string // 127.0.0.1:port
	script string
	dir    string
}

// StartDebianRegistry starts a registry with storage under dir. The error says how to
// install the package by hand when the script cannot.
func StartDebianRegistry(ctx context.Context, dir string) (*DebianRegistry, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "hack", "registry.sh")
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "start", dir, fmt.Sprint(port))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cannot start Debian's docker-registry with %s (it installs the docker-registry package with apt-get when missing; as root, `%s install` does it by hand): %v\n%s",
			script, script, err, stderr.String())
	}
	return &DebianRegistry{Host: strings.TrimSpace(string(out)), script: script, dir: dir}, nil
}

// Stop stops the registry (by the pid the script recorded).
func (d *DebianRegistry) Stop() error {
	out, err := exec.Command("bash", d.script, "stop", d.dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop registry: %v: %s", err, out)
	}
	return nil
}

// RepoRoot finds the module root (the directory holding go.mod) above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above %s", dir)
		}
		dir = parent
	}
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
