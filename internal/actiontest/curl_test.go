package actiontest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	curlCall  = regexp.MustCompile(`(?:^|[\s;|&(!]|\$\()curl(?:\s|$)`)
	protoOnly = regexp.MustCompile(`--proto(?:\s+|=)['"]?=https['"]?(?:\s|$)`)
	redirOnly = regexp.MustCompile(`--proto-redir(?:\s+|=)['"]?=https['"]?(?:\s|$)`)
	insecure  = regexp.MustCompile(`(?:^|\s)(?:-k|--insecure)(?:\s|$)`)
)

// curlProblems returns, for each curl command of a shell script, what makes it able
// to speak anything but HTTPS: it must say --proto =https (the URL it is given) and
// --proto-redir =https (every redirect), and never --insecure. It returns the number
// of curl commands found too.
func curlProblems(script string) (problems []string, calls int) {
	// One logical line per command: join backslash continuations, drop comments.
	var logical []string
	var cur strings.Builder
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`) + " ")
			continue
		}
		cur.WriteString(l)
		logical = append(logical, cur.String())
		cur.Reset()
	}
	for _, l := range logical {
		for _, loc := range curlCall.FindAllStringIndex(l, -1) {
			calls++
			cmd := l[loc[0]:]
			if i := strings.IndexAny(cmd[len("curl")+1:], "|;&"); i >= 0 { // up to the next command
				cmd = cmd[:len("curl")+1+i]
			}
			cmd = strings.TrimSpace(cmd)
			if !protoOnly.MatchString(cmd) {
				problems = append(problems, "no --proto =https: "+cmd)
			}
			if !redirOnly.MatchString(cmd) {
				problems = append(problems, "no --proto-redir =https: "+cmd)
			}
			if insecure.MatchString(cmd) {
				problems = append(problems, "--insecure: "+cmd)
			}
		}
	}
	return problems, calls
}

func TestCurlProblems(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		problems int
		calls    int
	}{
		{"both", "curl --proto =https --proto-redir =https -L -o f \"$url\"\n", 0, 1},
		{"quoted and joined", "x=$(curl --silent \\\n\t--proto '=https' --proto-redir=\"=https\" \"$u\" || true)\n", 0, 1},
		{"none", "curl --location -o f \"$url\"\n", 2, 1},
		{"https plus http", "curl --proto =https,http --proto-redir =https \"$u\"\n", 1, 1},
		{"no redirect limit", "curl --proto =https --location \"$u\"\n", 1, 1},
		{"redirect limit only", "curl --proto-redir =https --location \"$u\"\n", 1, 1},
		{"insecure", "curl -k --proto =https --proto-redir =https \"$u\"\n", 1, 1},
		{"each of a pipeline", "curl --proto =https --proto-redir =https \"$u\" | curl -T - \"$v\"\n", 2, 2},
		{"a comment", "# curl --location \"$u\"\n", 0, 0},
		{"a word containing curl", "echo libcurl; mycurl x\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, calls := curlProblems(tt.script)
			if len(problems) != tt.problems || calls != tt.calls {
				t.Errorf("%d problems %q in %d calls, want %d in %d", len(problems), problems, calls, tt.problems, tt.calls)
			}
		})
	}
}

// TestActionCurlOnlyHTTPS: every curl of the action's scripts speaks HTTPS only, on
// redirects too (a release mirror or a redirect must never downgrade the download of
// the binary the workflow then runs with its secrets).
func TestActionCurlOnlyHTTPS(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "action", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("action/: %v %v", files, err)
	}
	files = append(files, filepath.Join(repoRoot, "action.yml"))
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			problems, calls := curlProblems(string(b))
			total += calls
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
	if total == 0 {
		t.Fatal("no curl found in action/: the check checks nothing (install.sh downloads releases with curl)")
	}
}
