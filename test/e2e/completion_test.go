package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// completions runs `kubectl gitops __complete ARGS` in-process (what the shell asks on
// <TAB>) and returns the candidates without their descriptions.
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	var out, errb bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb})
	root.SetArgs(append([]string{"__complete"}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("__complete %q: %v\n%s", args, err, errb.String())
	}
	return candidates(out.String())
}

// candidates parses cobra's completion output: one candidate per line (a tab before
// its description), then the :directive line.
func candidates(out string) []string {
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		got = append(got, name)
	}
	return got
}

// completionSets makes, in namespace ns, two ApplySets of this tool (a Secret parent
// and a ConfigMap parent) and the parent of another tool's set.
func completionSets(t *testing.T, ns string) {
	t.Helper()
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{"cm.yaml": cm("comp", ns, "a: b")})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", "comp-a", "--applyset-namespace", ns)
	r2 := gitrepotest.NewRepo(t, map[string]string{"cm.yaml": cm("comp2", ns, "a: b")})
	mustGitops(t, 0, "apply", r2.Dir, "--applyset", "configmap/comp-b", "--applyset-namespace", ns)
	foreign := inventory.Parent{Kind: "Secret", Namespace: ns, Name: "comp-foreign"}
	_, err := kube(t).CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: foreign.Name, Labels: map[string]string{inventory.LabelID: foreign.ID()},
		Annotations: map[string]string{inventory.AnnotationTooling: "kubectl/v1.32.0"},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompletion: flag values completed from the real cluster and the kubeconfig —
// --applyset names (this tool's sets only) in the namespace the command would use,
// namespaces for -n and the namespace flags, contexts — and flag names.
func TestCompletion(t *testing.T) {
	ns := "complete-me"
	completionSets(t, ns)
	kc := []string{"--kubeconfig", cluster.Kubeconfig}
	tests := []struct {
		name string
		args []string
		want []string // exactly, in order
	}{
		{"applyset by --applyset-namespace", append(kc, "plan", "--applyset-namespace", ns, "--applyset", ""), []string{"comp-a", "configmap/comp-b"}},
		{"applyset by -n", append(kc, "apply", "-n", ns, "--applyset", "c"), []string{"comp-a", "configmap/comp-b"}},
		{"applyset by prefix", append(kc, "status", "-n", ns, "--applyset", "comp"), []string{"comp-a"}},
		{"applyset elsewhere", append(kc, "status", "-n", "kube-system", "--applyset", ""), nil},
		{"namespace", append(kc, "plan", "-n", "complete"), []string{ns}},
		{"allow-namespace", append(kc, "apply", "--allow-namespace", "complete-"), []string{ns}},
		{"default-namespace", append(kc, "apply", "--default-namespace", "kube-s"), []string{"kube-system"}},
		{"context", append(kc, "plan", "--context", ""), []string{"testcluster"}},
		{"color", []string{"plan", "--color", "a"}, []string{"always", "auto"}},
		{"flag names", []string{"apply", "--applyset"}, []string{"--applyset", "--applyset-namespace"}},
		{"subcommands", []string{"images", ""}, []string{"list", "update"}},
		{"shells", []string{"completion", "f"}, []string{"fish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := completions(t, tt.args...)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("__complete %q = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

// TestCompletionThroughKubectl: `kubectl gitops <TAB>` with kubectl itself, which finds
// the plugin and hack/kubectl_complete-gitops on the PATH of a temp dir and asks the
// script; the plugin is this test binary under the name kubectl-gitops (TestMain
// runs it as the plugin then).
func TestCompletionThroughKubectl(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatal("kubectl is needed for this test (it is on the CI image):", err)
	}
	ns := "complete-kubectl"
	completionSets(t, ns)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script, err := filepath.Abs("../../hack/kubectl_complete-gitops")
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"kubectl-gitops": self, "kubectl_complete-gitops": script} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) []string {
		t.Helper()
		c := exec.Command(kubectl, append([]string{"__complete", "gitops"}, args...)...)
		c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+cluster.Kubeconfig)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); err != nil {
			t.Fatalf("kubectl __complete gitops %q: %v\n%s", args, err, errb.String())
		}
		if !strings.Contains(errb.String(), "kubectl_complete-gitops") {
			t.Errorf("kubectl did not call kubectl_complete-gitops:\n%s", errb.String())
		}
		return candidates(out.String())
	}
	if got := run("pl"); !slices.Equal(got, []string{"plan"}) {
		t.Errorf("kubectl gitops pl<TAB> = %q, want plan", got)
	}
	if got := run("apply", "--applyset-namespace", ns, "--applyset", ""); !slices.Equal(got, []string{"comp-a", "configmap/comp-b"}) {
		t.Errorf("--applyset <TAB> = %q, want this tool's two sets", got)
	}
	if got := run("status", "-n", "complete-k"); !slices.Equal(got, []string{ns}) {
		t.Errorf("-n <TAB> = %q, want %s", got, ns)
	}
	if got := run("plan", "--no-d"); !slices.Equal(got, []string{"--no-diff"}) {
		t.Errorf("--no-d<TAB> = %q, want --no-diff", got)
	}
}
