package release

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "cmd-release-home-*")
	if err != nil {
		panic(err)
	}
	cfg := "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o644); err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("KUBECONFIG", filepath.Join(home, "no-kubeconfig"))
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	f := genericclioptions.NewConfigFlags(false)
	cmd := NewCmdRelease(f, streams)
	f.AddFlags(cmd.PersistentFlags()) // -n, as on the root command
	cmd.SetArgs(append(args, "--cluster-credentials=false", "--registry-cache-ttl=0"))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

const frontend = `# podinfo front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: demo
spec:
  template:
    spec:
      containers:
      - name: podinfod
        image: %[1]s/podinfo:6.0.0 # keep this comment
      - name: sidecar
        image: %[1]s/proxy:1.0
`

const backend = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: backend
  namespace: demo
  annotations:
    fluxcd.io/locked: "true"
spec:
  template:
    spec:
      containers:
      - name: podinfod
        image: '%[1]s/podinfo:6.0.0'
`

func setup(t *testing.T) (string, string, map[string]string) {
	t.Helper()
	reg := imagestest.NewRegistry()
	t.Cleanup(reg.Close)
	img, err := imagestest.Image(time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagestest.PushTags(context.Background(), reg.Host(), "podinfo", img, "6.0.0", "6.1.0"); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"frontend.yaml": fmt.Sprintf(frontend, reg.Host()),
		"backend.yaml":  fmt.Sprintf(backend, reg.Host()),
	}
	dir := t.TempDir()
	for p, c := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return reg.Host(), dir, files
}

func read(t *testing.T, dir, p string) string {
	b, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReleaseOneWorkload(t *testing.T) {
	host, dir, files := setup(t)
	out, errOut, err := run(t, dir, "--workload", "deployment/frontend", "-n", "demo", "--update-image", host+"/podinfo:6.1.0")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := strings.Replace(files["frontend.yaml"], "podinfo:6.0.0 #", "podinfo:6.1.0 #", 1)
	if got := read(t, dir, "frontend.yaml"); got != want {
		t.Fatalf("frontend.yaml:\n%s", got)
	}
	if read(t, dir, "backend.yaml") != files["backend.yaml"] {
		t.Fatal("backend.yaml changed")
	}
	if !strings.Contains(out, "Updated 1 image(s) in 1 file(s).") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestReleaseAllJSONSkipsLocked(t *testing.T) {
	host, dir, _ := setup(t)
	out, _, err := run(t, dir, "--all", "--update-image", host+"/podinfo:6.1.0", "-o", "json", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	var rep images.UpdateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Updates) != 1 || len(rep.Skipped) != 1 || !rep.DryRun || rep.Updates[0].ToTag != "6.1.0" {
		t.Fatalf("report %+v", rep)
	}
	if _, _, err := run(t, dir, "--all", "--force", "--update-image", host+"/podinfo:6.1.0"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(read(t, dir, "backend.yaml"), "'"+host+"/podinfo:6.1.0'") {
		t.Fatal("forced release did not change the locked workload")
	}
}

func TestReleaseBadInput(t *testing.T) {
	host, dir, files := setup(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing tag in registry", []string{"--workload", "demo:deployment/frontend", "--update-image", host + "/podinfo:9.9.9"}, "tag 9.9.9 not found in " + host + "/podinfo (2 tags)"},
		{"locked", []string{"--workload", "demo:statefulset/backend", "--update-image", host + "/podinfo:6.1.0"}, "backend.yaml:13: StatefulSet.apps demo/backend container podinfod: the workload is locked"},
		{"unknown workload", []string{"--workload", "deployment/frontend", "--update-image", host + "/podinfo:6.1.0"}, "workload default:deployment/frontend: not found"},
		{"bad image", []string{"--all", "--update-image", "Not An Image"}, "--update-image: invalid image reference"},
		{"no image", []string{"--all"}, "--update-image is required"},
		{"no tag", []string{"--all", "--update-image", host + "/podinfo"}, "give a tag or a digest"},
		{"no target", []string{"--update-image", host + "/podinfo:6.1.0"}, "give --workload (repeatable) or --all"},
		{"bad workload", []string{"--workload", "frontend", "--update-image", host + "/podinfo:6.1.0"}, "want kind/name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := run(t, append([]string{dir}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant containing %q", err, tt.want)
			}
			for p, c := range files {
				if read(t, dir, p) != c {
					t.Fatalf("%s changed", p)
				}
			}
		})
	}
}

func TestReleaseCommits(t *testing.T) {
	host, dir, _ := setup(t)
	r := gitrepotest.Init(t, dir)
	if _, errOut, err := run(t, dir, "--workload", "demo:deployment/frontend", "--update-image", host+"/podinfo:6.1.0", "--commit", "--git-ci-skip"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	msg := r.Git(t, "log", "-1", "--format=%B")
	if !strings.HasPrefix(msg, "Release "+host+"/podinfo:6.1.0 to Deployment.apps demo/frontend") || !strings.HasSuffix(msg, "[ci skip]") {
		t.Fatalf("commit message:\n%s", msg)
	}
}

// TestReleaseWritesThroughSymlink keeps a symlinked manifest a symlink: the file it
// points to is rewritten (and committed), never the link replaced by a regular file.
func TestReleaseWritesThroughSymlink(t *testing.T) {
	host, dir, files := setup(t)
	if err := os.Mkdir(filepath.Join(dir, ".shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "frontend.yaml"), filepath.Join(dir, ".shared", "frontend.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(".shared", "frontend.yaml"), filepath.Join(dir, "frontend.yaml")); err != nil {
		t.Fatal(err)
	}
	r := gitrepotest.Init(t, dir)

	if _, errOut, err := run(t, dir, "--workload", "demo:deployment/frontend", "--update-image", host+"/podinfo:6.1.0", "--commit"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	fi, err := os.Lstat(filepath.Join(dir, "frontend.yaml"))
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("frontend.yaml is no longer a symlink: %v %v", fi.Mode(), err)
	}
	want := strings.Replace(files["frontend.yaml"], "podinfo:6.0.0 #", "podinfo:6.1.0 #", 1)
	if got := read(t, dir, ".shared/frontend.yaml"); got != want {
		t.Fatalf("link target:\n%s", got)
	}
	if st := r.Git(t, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after the commit: %s", st)
	}
	if changed := r.Git(t, "diff", "--name-only", "HEAD~1", "HEAD"); changed != ".shared/frontend.yaml" {
		t.Errorf("commit changed %q, want .shared/frontend.yaml", changed)
	}
}
