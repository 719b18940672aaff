package gitrepotest

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// The identity of every commit and tag the git commands of this package make, and the
// branch a new repository starts on.
const (
	UserName      = "test"
	UserEmail     = "test@example.com"
	DefaultBranch = "main"
)

// environ is the environment of the git commands: the one the process started with
// (netguard.Environ, as the binaries under test close git's transports), without the
// user's and the system's git configuration or a repository inherited from a hook, with
// a fixed identity, default branch and no signing.
var environ = sync.OnceValue(func() []string {
	var env []string
	for _, kv := range netguard.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME="+UserName, "GIT_AUTHOR_EMAIL="+UserEmail,
		"GIT_COMMITTER_NAME="+UserName, "GIT_COMMITTER_EMAIL="+UserEmail)
	config := [][2]string{
		{"user.name", UserName}, {"user.email", UserEmail},
		{"init.defaultBranch", DefaultBranch},
		{"commit.gpgSign", "false"}, {"tag.gpgSign", "false"},
	}
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(config)))
	for i, c := range config {
		env = append(env, "GIT_CONFIG_KEY_"+strconv.Itoa(i)+"="+c[0], "GIT_CONFIG_VALUE_"+strconv.Itoa(i)+"="+c[1])
	}
	return env
})

// Command is git with args in dir (the process's directory if empty) with this
// package's environment, for a test that feeds git's input or expects it to fail.
func Command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = slices.Clip(environ()) // a caller's append copies, never writes the shared array
	return cmd
}

// Git runs git with args in dir and returns its output without surrounding white
// space; it fails t with git's error output if git fails.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := Run(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Run is Git for code without a test's t (a fake server's handlers, a benchmark's
// fixture): it returns git's output without surrounding white space, or an error that
// names the command and carries git's error output.
func Run(dir string, args ...string) (string, error) {
	return run(dir, "", nil, args...)
}

// run runs git with args in dir, stdin on its input and env added to its environment.
func run(dir, stdin string, env []string, args ...string) (string, error) {
	cmd := Command(dir, args...)
	cmd.Env = append(cmd.Env, env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out)), nil
}
