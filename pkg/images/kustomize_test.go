package images

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

const kustomizeConfig = `images:
  policies:
    - name: app
      image: ghcr.io/acme/app
      semver: "~1.2"
    - name: nginx
      image: nginx
      semver: "1.x"
    - name: mirror
      image: registry.example.com/mirror/app
      glob: 'v*'
    - name: num
      image: ghcr.io/acme/num
      glob: '*'
    - name: dup-a
      image: ghcr.io/acme/dup
      glob: '*'
    - name: dup-b
      image: ghcr.io/acme/dup
      semver: '*'
`

var kustomizeTags = map[string][]string{
	"ghcr.io/acme/app":                 {"1.2.0", "1.2.3", "1.3.0"},
	"index.docker.io/library/nginx":    {"1.25.0", "1.27.1", "2.0.0"},
	"registry.example.com/mirror/app":  {"v1", "v2", "v10"},
	"ghcr.io/acme/num":                 {"1.9", "1.10"},
	"ghcr.io/acme/dup":                 {"1.0.0"},
	"ghcr.io/acme/unmanaged":           {"9.9.9"},
	"ghcr.io/acme/pinned":              {"2.0.0"},
	"registry.example.com/mirror/pins": {"v2"},
}

var kustomizeLister = TagListerFunc(func(_ context.Context, repo name.Repository) ([]string, error) {
	return kustomizeTags[repo.Name()], nil
})

// kustomizeUpdate scans one kustomization file, checks it against kustomizeTags and
// returns the rewritten bytes and the results.
func kustomizeUpdate(t *testing.T, file, src string) (string, []Result, []error) {
	t.Helper()
	imgs, errs := Scan([]File{{Path: file, Data: []byte(src)}}, mustRules(t, kustomizeConfig))
	res := (&Checker{Lister: kustomizeLister}).Check(context.Background(), imgs)
	ups, uerrs := Updates(res)
	errs = append(errs, uerrs...)
	out, err := Apply(map[string][]byte{file: []byte(src)}, ups)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := out[file]; ok {
		return string(b), res, errs
	}
	return src, res, errs
}

// TestKustomizationImages: entries of a kustomization's images: list are bumped when a
// policy covers their repository, with no marker comment, and only the tag's bytes
// change (or one newTag line is added).
func TestKustomizationImages(t *testing.T) {
	sha := "sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		name, file, src, want string
		status                []Status
	}{
		{"plain with comments", "overlays/prod/kustomization.yaml",
			"# prod\nresources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app # the app\n  newTag: 1.2.0 # pinned by CI\n",
			"# prod\nresources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app # the app\n  newTag: 1.2.3 # pinned by CI\n",
			[]Status{StatusUpdate}},
		{"quoted tags", "kustomization.yml",
			"images:\n  - name: ghcr.io/acme/app\n    newTag: \"1.2.0\"\n  - name: nginx\n    newTag: '1.25.0'\n",
			"images:\n  - name: ghcr.io/acme/app\n    newTag: \"1.2.3\"\n  - name: nginx\n    newTag: '1.27.1'\n",
			[]Status{StatusUpdate, StatusUpdate}},
		{"flow style", "Kustomization",
			"images: [{name: nginx, newTag: 1.25.0}, {name: ghcr.io/acme/app, newTag: \"1.2.0\"}]\n",
			"images: [{name: nginx, newTag: 1.27.1}, {name: ghcr.io/acme/app, newTag: \"1.2.3\"}]\n",
			[]Status{StatusUpdate, StatusUpdate}},
		{"newName decides the repository", "kustomization.yaml",
			"images:\n- name: app\n  newName: registry.example.com/mirror/app\n  newTag: v2\n",
			"images:\n- name: app\n  newName: registry.example.com/mirror/app\n  newTag: v10\n",
			[]Status{StatusUpdate}},
		{"key order kept, CRLF", "kustomization.yaml",
			"apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nimages:\r\n- newTag: 1.25.0\r\n  name: nginx\r\n",
			"apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nimages:\r\n- newTag: 1.27.1\r\n  name: nginx\r\n",
			[]Status{StatusUpdate}},
		{"tag that reads as a number gets quoted", "kustomization.yaml",
			"images:\n- name: ghcr.io/acme/num\n  newTag: 1.9\n",
			"images:\n- name: ghcr.io/acme/num\n  newTag: \"1.10\"\n",
			[]Status{StatusUpdate}},
		{"pinned by digest: reported, not bumped", "kustomization.yaml",
			"images:\n- name: ghcr.io/acme/app\n  newTag: 1.2.0\n  digest: " + sha + "\n- name: ghcr.io/acme/app\n  digest: " + sha + "\n",
			"images:\n- name: ghcr.io/acme/app\n  newTag: 1.2.0\n  digest: " + sha + "\n- name: ghcr.io/acme/app\n  digest: " + sha + "\n",
			[]Status{StatusPinned, StatusPinned}},
		{"no policy: listed, manual", "kustomization.yaml",
			"images:\n- name: ghcr.io/acme/unmanaged\n  newTag: 1.0.0\n- name: old\n  newName: ghcr.io/acme/renamed\n",
			"images:\n- name: ghcr.io/acme/unmanaged\n  newTag: 1.0.0\n- name: old\n  newName: ghcr.io/acme/renamed\n",
			[]Status{StatusManual}},
		{"missing newTag added in the entry's indentation", "kustomization.yaml",
			"images:\n  -   name: nginx # web\n      newName: nginx\n  - name: ghcr.io/acme/app\n",
			"images:\n  -   name: nginx # web\n      newName: nginx\n      newTag: 1.27.1\n  - name: ghcr.io/acme/app\n    newTag: 1.2.3\n",
			[]Status{StatusUpdate, StatusUpdate}},
		{"missing newTag in a flow mapping, quoted number", "kustomization.yaml",
			"images:\n- {name: ghcr.io/acme/num}   # keep\n",
			"images:\n- {name: ghcr.io/acme/num, newTag: \"1.10\"}   # keep\n",
			[]Status{StatusUpdate}},
		{"missing newTag at the end of a file without a final newline", "kustomization.yaml",
			"images:\r\n- name: nginx",
			"images:\r\n- name: nginx\r\n  newTag: 1.27.1",
			[]Status{StatusUpdate}},
		{"marker chooses among policies", "kustomization.yaml",
			"images:\n- name: ghcr.io/acme/dup\n  newTag: 0.1.0 # {\"$imagepolicy\": \"dup-b:tag\"}\n",
			"images:\n- name: ghcr.io/acme/dup\n  newTag: 1.0.0 # {\"$imagepolicy\": \"dup-b:tag\"}\n",
			[]Status{StatusUpdate}},
		{"a marker's policy is the entry's image, as for any marker", "kustomization.yaml",
			"images:\n- name: app # placeholder of the base\n  newTag: 1.2.0 # {\"$imagepolicy\": \"app:tag\"}\n- name: \"{{ .image }}\"\n  newTag: 1.2.0 # {\"$imagepolicy\": \"app:tag\"}\n",
			"images:\n- name: app # placeholder of the base\n  newTag: 1.2.3 # {\"$imagepolicy\": \"app:tag\"}\n- name: \"{{ .image }}\"\n  newTag: 1.2.3 # {\"$imagepolicy\": \"app:tag\"}\n",
			[]Status{StatusUpdate, StatusUpdate}},
		{"only kustomization files count", "apps/images.yaml",
			"images:\n- name: nginx\n  newTag: 1.25.0\n",
			"images:\n- name: nginx\n  newTag: 1.25.0\n",
			nil},
		{"up to date", "kustomization.yaml",
			"images:\n- name: docker.io/library/nginx\n  newTag: 1.27.1\n",
			"images:\n- name: docker.io/library/nginx\n  newTag: 1.27.1\n",
			[]Status{StatusUpToDate}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, res, errs := kustomizeUpdate(t, tc.file, tc.src)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got != tc.want {
				t.Fatalf("got:\n%q\nwant:\n%q", got, tc.want)
			}
			var st []Status
			for _, r := range res {
				st = append(st, r.Status)
			}
			if strings.Join(statusStrings(st), ",") != strings.Join(statusStrings(tc.status), ",") {
				t.Fatalf("statuses %v, want %v (%+v)", st, tc.status, res)
			}
		})
	}
}

func statusStrings(st []Status) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = string(s)
	}
	return out
}

// TestKustomizationImageProblems: what cannot be bumped is reported with file and line,
// and the file is left alone.
func TestKustomizationImageProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"two policies cover the image", "images:\n- name: ghcr.io/acme/dup\n  newTag: 0.1.0\n",
			`kustomization.yaml:3: image ghcr.io/acme/dup is covered by the policies dup-a, dup-b of .gitops.yaml: choose one with a marker comment on newTag`},
		{"marker naming no policy", "images:\n- name: nginx\n  newTag: 1.0.0 # {\"$imagepolicy\": \"nope:tag\"}\n",
			`kustomization.yaml:3: marker names policy "nope", which is not defined in .gitops.yaml under images.policies`},
		{"marker without :tag", "images:\n- name: nginx\n  newTag: 1.0.0 # {\"$imagepolicy\": \"nginx\"}\n",
			`kustomization.yaml:3: newTag holds the tag only`},
		{"newName with a tag", "images:\n- name: x\n  newName: nginx:1.0\n  newTag: 1.0.0\n",
			`kustomization.yaml:4: newName "nginx:1.0": give the repository without tag or digest`},
		{"bad tag", "images:\n- name: nginx\n  newTag: \"-1\"\n",
			`kustomization.yaml:3: invalid image reference "nginx:-1"`},
		{"missing newTag after a value with escapes", "images:\n- name: \"ghcr.io/acme/\\x61pp\"\n",
			`kustomization.yaml:2: line 2: cannot add newTag to this images: entry in place`},
		{"missing newTag in a flow mapping spread over lines", "images:\n- {name: ghcr.io/acme/app,\n   }\n",
			`cannot add newTag to this images: entry in place (the flow mapping does not close after its last value)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, errs := kustomizeUpdate(t, "kustomization.yaml", tc.src)
			if got != tc.src {
				t.Fatalf("file changed:\n%s", got)
			}
			var msgs []string
			for _, err := range errs {
				msgs = append(msgs, err.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Fatalf("errors %q, want %q", msgs, tc.want)
			}
		})
	}
}
