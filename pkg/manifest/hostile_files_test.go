package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadHostileFiles: a pull request may add links to /dev/zero and /dev/urandom, a
// named pipe, a 1 GiB sparse file, and links out of the repository, as manifests, as
// .gitops.yaml and as a kustomization's resource. Load reads none of them: each is an
// error naming its file, the good objects still load, and nothing hangs.
func TestLoadHostileFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"ok.yaml":                  cm("ok"),
		"zero.yaml":                symlinkPrefix + "/dev/zero",
		"urandom.yaml":             symlinkPrefix + "/dev/urandom",
		"gen/.gitops.yaml":         symlinkPrefix + "/dev/zero",
		"gen/x.yaml":               cm("gen"),
		"sparse/.gitops.yaml":      "",
		"sparse/y.yaml":            cm("sparse"),
		"big.yaml":                 "",
		"k/kustomization.yaml":     "resources: [zero.yaml]\n",
		"k/zero.yaml":              symlinkPrefix + "/dev/zero",
		"kfifo/kustomization.yaml": "resources: [fifo.yaml]\n",
		"kbig/kustomization.yaml":  "resources: [big.yaml]\n",
		"kbig/big.yaml":            "",
	})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644))
	must(syscall.Mkfifo(filepath.Join(dir, "kfifo", "fifo.yaml"), 0o644))
	for _, f := range []string{"big.yaml", "sparse/.gitops.yaml", "kbig/big.yaml"} {
		must(os.Truncate(filepath.Join(dir, f), 1<<30)) // 1 GiB without a block on disk
	}

	objs, err := Load(context.Background(), dir)
	var names []string
	for _, o := range objs {
		names = append(names, o.Obj.GetName())
	}
	if strings.Join(names, ",") != "ok" {
		t.Fatalf("objects %v, want ok: the good ones load, and directories whose .gitops.yaml cannot be read are not", names)
	}
	got := map[string]string{}
	for _, e := range manifestErrors(t, err) {
		got[e.Source.File] = e.Err.Error()
	}
	for file, want := range map[string]string{
		"zero.yaml":                "a symbolic link to a character device",
		"gen/.gitops.yaml":         "read gen/.gitops.yaml: it leads outside the repository",
		"sparse/.gitops.yaml":      "1 GiB, more than 16 MiB",
		"urandom.yaml":             "a symbolic link to a character device",
		"fifo.yaml":                "a named pipe (FIFO): only regular files are read",
		"big.yaml":                 "1 GiB, more than 16 MiB",
		"k/kustomization.yaml":     `"zero.yaml" leads outside the source root`,
		"kfifo/kustomization.yaml": "named pipe",
		"kbig/kustomization.yaml":  "1 GiB, more than 16 MiB",
	} {
		if !strings.Contains(got[file], want) {
			t.Errorf("%s: error %q, want it to say %q (all: %v)", file, got[file], want, got)
		}
	}
}
