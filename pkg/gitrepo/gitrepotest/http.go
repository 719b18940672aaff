package gitrepotest

import (
	"fmt"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
)

// NewHTTPServer serves the bare repositories under root over smart HTTP with git's own
// git-http-backend on loopback: a real git remote, <URL>/<name>.git. Pushes need
// `http.receivepack true` in the bare repository. Close it when done.
func NewHTTPServer(root string) (*httptest.Server, error) {
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("git --exec-path: %w", err)
	}
	return httptest.NewServer(&cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}), nil
}
