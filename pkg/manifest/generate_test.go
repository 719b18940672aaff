package manifest

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGenerators(t *testing.T) {
	// two.sh prints two documents; the second starts on line 7 of the output.
	twoSh := "cat <<'EOF'\n" + cm("gen-a") + "---\n# b\n" + cm("gen-b") + "EOF\n"
	tests := []struct {
		name     string
		files    map[string]string
		opts     []Option
		want     []string
		wantErrs []string // "file:line: substring"
	}{
		{
			name: "off: the directory is an error, other files still load",
			files: map[string]string{
				"gen/.gitops.yaml": "version: 1\ngenerators:\n  - command: cat x.yaml\n",
				"gen/x.yaml":       cm("raw"),
				"plain.yaml":       cm("plain"),
			},
			want:     []string{"plain.yaml:1 ConfigMap plain"},
			wantErrs: []string{"gen/.gitops.yaml: manifest generation is off", "gen/.gitops.yaml: pass --manifest-generation"},
		},
		{
			name: "on: output parsed with lines in the output",
			files: map[string]string{
				"gen/.gitops.yaml": "version: 1\ngenerators:\n  - command: sh two.sh\n  - command: cat x.yaml\n",
				"gen/two.sh":       twoSh,
				"gen/x.yaml":       "# from a file\n" + cm("from-file"),
				"gen/sub/y.yaml":   cm("not-scanned"),
				"plain.yaml":       cm("plain"),
			},
			opts: []Option{WithManifestGeneration(true)},
			want: []string{
				"gen/.gitops.yaml:1 ConfigMap gen-a",
				"gen/.gitops.yaml:7 ConfigMap gen-b",
				"gen/.gitops.yaml:2 ConfigMap from-file",
				"plain.yaml:1 ConfigMap plain",
			},
		},
		{
			name: "generator wins over a kustomization in the same directory",
			files: map[string]string{
				"k/.gitops.yaml":       "version: 1\ngenerators:\n  - command: echo '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"generated\"}}'\n",
				"k/kustomization.yaml": "resources: [cm.yaml]\n",
				"k/cm.yaml":            cm("kustomized"),
			},
			opts: []Option{WithManifestGeneration(true)},
			want: []string{"k/.gitops.yaml:1 ConfigMap generated"},
		},
		{
			name: "failing command: its stderr tail, other generators and files still run",
			files: map[string]string{
				"g/.gitops.yaml": "version: 1\ngenerators:\n  - command: echo 'kustomize - no such overlay' >&2; exit 3\n  - command: sh two.sh\n",
				"g/two.sh":       twoSh,
				"plain.yaml":     cm("plain"),
			},
			opts:     []Option{WithManifestGeneration(true)},
			want:     []string{"g/.gitops.yaml:1 ConfigMap gen-a", "g/.gitops.yaml:7 ConfigMap gen-b", "plain.yaml:1 ConfigMap plain"},
			wantErrs: []string{"g/.gitops.yaml:3: generator 1 (echo 'kustomize - no such overlay' >&2; exit 3): exit status 3; stderr: kustomize - no such overlay"},
		},
		{
			name: "bad output: file and output line",
			files: map[string]string{
				"g/.gitops.yaml": "version: 1\ngenerators:\n  - command: cat out.txt\n",
				"g/out.txt":      cm("ok") + "---\nkind: Secret\nmetadata: {name: s}\n",
			},
			opts:     []Option{WithManifestGeneration(true)},
			want:     []string{"g/.gitops.yaml:1 ConfigMap ok"},
			wantErrs: []string{"g/.gitops.yaml:6: output of generator 1", "g/.gitops.yaml:6: kind Secret has no apiVersion"},
		},
		{
			name: "Flux v1 .flux.yaml is refused, not read as plain YAML",
			files: map[string]string{
				"f/.flux.yaml":      "version: 1\ncommandUpdated:\n  generators:\n    - command: kustomize build .\n",
				"f/x.yaml":          cm("template"),
				"both/.flux.yaml":   "version: 1\n",
				"both/.gitops.yaml": "version: 1\ngenerators:\n  - command: cat x.yaml\n",
				"both/x.yaml":       cm("both"),
			},
			opts:     []Option{WithManifestGeneration(true)},
			want:     []string{"both/.gitops.yaml:1 ConfigMap both"},
			wantErrs: []string{"f/.flux.yaml: convert it to .gitops.yaml"},
		},
		{
			name: "unknown keys and versions",
			files: map[string]string{
				"g/.gitops.yaml": "version: 2\ngenerators:\n  - command: echo\n    args: [x]\npatchUpdated: {}\n",
			},
			opts: []Option{WithManifestGeneration(true)},
			wantErrs: []string{
				`g/.gitops.yaml:1: unsupported version "2"`,
				`g/.gitops.yaml:4: generators[0]: unknown key "args"`,
				`g/.gitops.yaml:5: unknown key "patchUpdated"`,
			},
		},
		{
			name: "missing pieces",
			files: map[string]string{
				"a/.gitops.yaml": "generators: []\n",
				"b/.gitops.yaml": "version: 1\ngenerators:\n  - command: ''\n  - {}\n  - just a string\n",
				"c/.gitops.yaml": "version: 1\ngenerators: [\n",
			},
			opts: []Option{WithManifestGeneration(true)},
			wantErrs: []string{
				"a/.gitops.yaml:1: missing version",
				"b/.gitops.yaml:3: generators[0].command must be a non-empty string",
				"b/.gitops.yaml:4: generators[1] has no command",
				"b/.gitops.yaml:5: generators[2] must be a mapping",
				"c/.gitops.yaml:2: invalid YAML",
			},
		},
		{
			name: "timeout kills the command and its children",
			files: map[string]string{
				"g/.gitops.yaml": "version: 1\ngenerators:\n  - command: echo started >&2; sleep 600 | cat\n",
			},
			opts:     []Option{WithManifestGeneration(true), WithGeneratorTimeout(300 * time.Millisecond)},
			wantErrs: []string{"g/.gitops.yaml:3: generator 1 (echo started >&2; sleep 600 | cat): timed out after 300ms; stderr: started"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			objs, err := Load(context.Background(), root, tt.opts...)
			if got := describe(objs); !slices.Equal(got, tt.want) && (len(got) > 0 || len(tt.want) > 0) {
				t.Errorf("objects %q\nwant    %q", got, tt.want)
			}
			errs := manifestErrors(t, err)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			for _, want := range tt.wantErrs {
				pos, sub, _ := strings.Cut(want, ": ")
				found := false
				for _, e := range errs {
					if e.Source.String() == pos && strings.Contains(e.Error(), sub) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error at %s containing %q; errors:\n%s", pos, sub, strings.Join(msgs, "\n"))
				}
			}
			if len(tt.wantErrs) == 0 && err != nil {
				t.Errorf("unexpected errors: %v", err)
			}
		})
	}
}

func TestGeneratorCanceled(t *testing.T) {
	root := writeTree(t, map[string]string{"g/.gitops.yaml": "version: 1\ngenerators:\n  - command: sleep 600\n"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := Load(ctx, root, WithManifestGeneration(true))
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("Load after cancel: %v", err)
		}
	}()
	// Cancel once the command is running (its process exists); no sleeps as thresholds.
	for !processRunning("sleep 600") {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

// processRunning reports whether a process with this command line exists (Linux /proc).
func processRunning(cmdline string) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true // no /proc: cancel right away, the test still checks the error
	}
	for _, e := range entries {
		data, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(strings.ReplaceAll(string(data), "\x00", " "), cmdline) {
			return true
		}
	}
	return false
}

func TestGeneratorEnvironment(t *testing.T) {
	t.Setenv("SECRET_TOKEN", "leaked")
	t.Setenv("HOME", "/home/gitops")
	root := writeTree(t, map[string]string{
		"g/.gitops.yaml": "version: 1\ngenerators:\n  - command: sh env.sh\n",
		"g/env.sh": `cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: env
data:
  dir: "$(basename "$PWD")"
  home: "$HOME"
  vars: "$(env | cut -d= -f1 | sort | tr '\n' ' ')"
EOF
`,
	})
	objs, err := Load(context.Background(), root, WithManifestGeneration(true))
	if err != nil || len(objs) != 1 {
		t.Fatalf("got %d objects, %v", len(objs), err)
	}
	data := objs[0].Obj.Object["data"].(map[string]interface{})
	if data["dir"] != "g" || data["home"] != "/home/gitops" {
		t.Errorf("data = %v, want dir g and HOME passed through", data)
	}
	vars := strings.Fields(data["vars"].(string))
	for _, v := range vars {
		switch v {
		case "PATH", "HOME", "PWD", "OLDPWD", "SHLVL", "_": // ours, or set by sh itself
		default:
			t.Errorf("generator sees %s; want only PATH and HOME (got %v)", v, vars)
		}
	}
	if !slices.Contains(vars, "PATH") {
		t.Errorf("PATH missing: %v", vars)
	}
}
