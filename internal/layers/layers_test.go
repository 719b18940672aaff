package layers

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/kubectl-gitops/kubectl-gitops/"

// engine are the packages that know nothing of commands or GitHub: the plugin, the bot
// and the Action all call them.
var engine = []string{
	"pkg/apply", "pkg/dedupe", "pkg/engine", "pkg/gitcache", "pkg/gitopsfile", "pkg/gitrepo", "pkg/images",
	"pkg/inventory", "pkg/manifest", "pkg/netguard", "pkg/notify", "pkg/object", "pkg/plan",
	"pkg/plancomment", "pkg/redact", "pkg/registryevent", "pkg/repoconfig", "pkg/repofile", "pkg/source",
	"pkg/version",
}

// rule: no package under one of from (its tests included), unless it is under one of
// except, imports a package under forbidden.
type rule struct {
	name      string
	from      []string
	forbidden []string
	except    []string
}

var rules = []rule{{
	// The plugin's shell is the plugin's: the bot, the Action's helpers and the engine
	// never lean on it. test/e2e and bench drive the plugin in process, as its main does.
	name:      "only the plugin imports pkg/cmd",
	from:      []string{""},
	forbidden: []string{"pkg/cmd"},
	except:    []string{"pkg/cmd", "cmd/kubectl-gitops", "test/e2e", "bench"},
}, {
	name:      "the engine knows nothing of commands or GitHub",
	from:      engine,
	forbidden: []string{"pkg/cmd", "pkg/githubapp", "cmd", "internal/botproc", "internal/actiontest"},
}, {
	// pkg/githubapp is GitHub's side: REST verbs, auth, webhooks. Plans reach it as
	// text (pkg/plancomment), and the bot sits on top of it, never below.
	name:      "pkg/githubapp renders no plan and runs no bot",
	from:      []string{"pkg/githubapp"},
	forbidden: []string{"pkg/plan", "pkg/githubapp/bot"},
	except:    []string{"pkg/githubapp/bot"},
}, {
	// Receiving webhooks and reading the Actions environment are below the bot: the
	// bot routes what they hand over, never the other way round.
	name:      "pkg/githubapp/webhook and pkg/githubapp/actionsenv never import the bot",
	from:      []string{"pkg/githubapp/webhook", "pkg/githubapp/actionsenv"},
	forbidden: []string{"pkg/githubapp/bot"},
}}

type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

// TestLayers fails when an import points the wrong way, naming the importer and the import.
func TestLayers(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range pkgs {
				from := strings.TrimPrefix(p.ImportPath, module)
				if !under(from, r.from) || under(from, r.except) {
					continue
				}
				seen := map[string]bool{}
				for _, imp := range append(append(p.Imports, p.TestImports...), p.XTestImports...) {
					to, ok := strings.CutPrefix(imp, module)
					if ok && !seen[to] && under(to, r.forbidden) && !under(to, []string{from}) /* its own sub-packages */ {
						seen[to] = true
						t.Errorf("%s imports %s", from, to)
					}
				}
			}
		})
	}
}

func TestUnder(t *testing.T) {
	for _, c := range []struct {
		path   string
		prefix []string
		want   bool
	}{
		{"pkg/cmd", []string{"pkg/cmd"}, true},
		{"pkg/cmd/images", []string{"pkg/cmd"}, true},
		{"pkg/cmdx", []string{"pkg/cmd"}, false},
		{"pkg/plancomment", []string{"pkg/plan"}, false},
		{"anything", []string{""}, true},
	} {
		if got := under(c.path, c.prefix); got != c.want {
			t.Errorf("under(%q, %q) = %v, want %v", c.path, c.prefix, got, c.want)
		}
	}
}

// under reports whether path is one of prefixes or inside one ("" is everything).
func under(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if p == "" || path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}
