package actiontest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is where action.yml lives.
const repoRoot = "../.."

// exampleDir holds the example workflows of docs/action.md.
const exampleDir = repoRoot + "/docs/examples/workflows"

// usesAction is how the examples name this action.
var usesAction = regexp.MustCompile(`uses: kubectl-gitops/kubectl-gitops@v\d+\.\d+\.\d+`)

// actionlint lints the workflow files with hack/actionlint (github.com/rhysd/actionlint
// v1.7.12, a module of its own) as workflows of this repository, and checks that
// action.yml parses as action metadata; it returns actionlint's errors.
func actionlint(t *testing.T, files ...string) []string {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "actionlint")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(root, "hack", "actionlint")
	build.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hack/actionlint: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-root", root, "-action"}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("actionlint: %v\n%s", err, stderr.String())
	}
	var errs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			errs = append(errs, l)
		}
	}
	return errs
}

// TestExampleWorkflowsLint lints every example workflow with actionlint, with this
// action resolved locally (uses: ./) so that the inputs they give are checked
// against action.yml.
func TestExampleWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob(exampleDir + "/*.yml")
	if err != nil || len(files) < 4 {
		t.Fatalf("example workflows: %v, %v", files, err)
	}
	dir := t.TempDir()
	var local []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !usesAction.Match(data) {
			t.Fatalf("%s does not use kubectl-gitops/kubectl-gitops@vX.Y.Z", f)
		}
		l := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(l, usesAction.ReplaceAll(data, []byte("uses: ./")), 0o644); err != nil {
			t.Fatal(err)
		}
		local = append(local, l)
	}
	for _, e := range actionlint(t, local...) {
		t.Error(e)
	}
}

// TestActionLint checks action.yml: actionlint parses it as a local action's
// metadata, and lints its steps as the steps of a reusable workflow whose inputs are
// the action's (so every ${{ inputs.x }} must name an input, every
// steps.<id>.outputs a step); and no input reaches a script except through env:.
func TestActionLint(t *testing.T) {
	a, err := Load(repoRoot + "/action.yml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(repoRoot + "/action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Runs struct {
			Steps []map[string]any `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{}
	for name, in := range a.Inputs {
		spec := map[string]any{"type": "string", "required": in.Required}
		if !in.Required && !strings.Contains(in.Default, "${{") {
			spec["default"] = in.Default
		}
		inputs[name] = spec
	}
	outputs := map[string]any{}
	for name, o := range a.Outputs {
		outputs[name] = o.Value
	}
	wf := map[string]any{
		"name": "action.yml as a reusable workflow",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{
			"runs-on": "ubuntu-latest",
			"outputs": outputs,
			"steps":   raw.Runs.Steps,
		}},
	}
	synthetic, err := yaml.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	wfFile := filepath.Join(t.TempDir(), "action-as-workflow.yml")
	if err := os.WriteFile(wfFile, synthetic, 0o644); err != nil {
		t.Fatal(err)
	}
	if errs := actionlint(t, wfFile); len(errs) > 0 {
		t.Errorf("actionlint on action.yml's steps:\n%s\nthe workflow linted:\n%s", strings.Join(errs, "\n"), synthetic)
	}

	used := map[string]bool{}
	ids := map[string]bool{}
	for _, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %s: an expression inside run: is spliced into the script (injection): pass it through env:", s.ID)
		}
		ids[s.ID] = true
		pairs, err := s.EnvPairs()
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range pairs {
			for _, m := range regexp.MustCompile(`inputs\.([A-Za-z0-9_-]+)`).FindAllStringSubmatch(kv[1], -1) {
				used[m[1]] = true
			}
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %s reaches no step", name)
		}
	}
	for name, o := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{ steps\.([a-z]+)\.outputs\.([a-z-]+) \}\}$`).FindStringSubmatch(o.Value)
		if m == nil || !ids[m[1]] {
			t.Errorf("output %s: %q is not a step's output", name, o.Value)
		}
	}
}
