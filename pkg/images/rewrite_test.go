package images

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestRewritePublicManifestsByteFaithful sets a new tag on every image of real public
// manifests and checks that exactly the tag's bytes changed: one line per image, and the
// file equals the original with that one substring replaced.
func TestRewritePublicManifestsByteFaithful(t *testing.T) {
	names := []string{
		"public/flux-get-started-podinfo-dep.yaml",
		"public/flux-get-started-ghost.yaml",
		"public/podinfo-backend-deployment.yaml",
		"public/podinfo-cronjob-backup-daily.yaml",
	}
	files, data := readFixtures(t, names...)
	imgs, errs := Scan(files, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, im := range imgs {
		t.Run(im.File+":"+im.Container, func(t *testing.T) {
			e, err := im.SetTag("9.9.9-new")
			if err != nil {
				t.Fatal(err)
			}
			out, err := Rewrite(data[im.File], []Edit{e})
			if err != nil {
				t.Fatal(err)
			}
			oldLine := splitLines(data[im.File])[im.Line-1]
			newLine := strings.Replace(oldLine, ":"+im.Ref.Tag, ":9.9.9-new", 1)
			want := bytes.Replace(data[im.File], []byte(oldLine), []byte(newLine), 1)
			if !bytes.Equal(out, want) {
				t.Fatalf("rewrite changed more than the tag:\n%s", out)
			}
			if got := changedLines(data[im.File], out); !reflect.DeepEqual(got, []int{im.Line}) {
				t.Fatalf("changed lines %v, want [%d]", got, im.Line)
			}
		})
	}
}

func TestRewriteForms(t *testing.T) {
	rules := mustRules(t, markerConfig+`    - name: num
      image: ghcr.io/acme/num
      glob: '*'
`)
	tests := []struct {
		name, src, tag, want string
	}{
		{"plain", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25 # keep me\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27 # keep me\n"},
		{"double quoted", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: \"nginx:1.25\"\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: \"nginx:1.27\"\n"},
		{"single quoted flow", "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'nginx:1.25'}]}\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'nginx:1.27'}]}\n"},
		{"no tag yet", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"},
		{"registry port", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: localhost:5000/app:v1\n",
			"v2", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: localhost:5000/app:v2\n"},
		{"digest dropped", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25@sha256:" + strings.Repeat("a", 64) + "\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"},
		{"CRLF and unicode before", "kind: Pod\r\nmetadata: {name: p, annotations: {note: \"héllo ✓\"}}\r\nspec:\r\n  containers:\r\n  - {name: \"ç✓\", image: nginx:1.25}\r\n",
			"1.27", "kind: Pod\r\nmetadata: {name: p, annotations: {note: \"héllo ✓\"}}\r\nspec:\r\n  containers:\r\n  - {name: \"ç✓\", image: nginx:1.27}\r\n"},
		{"tag field, plain number gets quoted", "kind: X\nmetadata: {name: x}\nv:\n  tag: 1.0 # {\"$imagepolicy\": \"num:tag\"}\n",
			"1.10", "kind: X\nmetadata: {name: x}\nv:\n  tag: \"1.10\" # {\"$imagepolicy\": \"num:tag\"}\n"},
		{"tag field, quoted stays", "kind: X\nmetadata: {name: x}\nv:\n  tag: '1.0' # {\"$imagepolicy\": \"num:tag\"}\n",
			"1.10", "kind: X\nmetadata: {name: x}\nv:\n  tag: '1.10' # {\"$imagepolicy\": \"num:tag\"}\n"},
		{"tag field, string stays plain", "kind: X\nmetadata: {name: x}\nv:\n  tag: v1.0 # {\"$imagepolicy\": \"num:tag\"}\n",
			"v1.10", "kind: X\nmetadata: {name: x}\nv:\n  tag: v1.10 # {\"$imagepolicy\": \"num:tag\"}\n"},
		{"tagged scalar with anchor", "kind: X\nmetadata: {name: x}\nv:\n  img: &i !!str ghcr.io/acme/num:1 # {\"$imagepolicy\": \"num\"}\n",
			"2", "kind: X\nmetadata: {name: x}\nv:\n  img: &i !!str ghcr.io/acme/num:2 # {\"$imagepolicy\": \"num\"}\n"},
		{"anchor named like the value", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: &nginx nginx\n",
			"1.27", "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: &nginx nginx:1.27\n"},
		{"lone CR, LS and NEL before", "kind: Pod\rmetadata: {name: p, annotations: {a: \"x\u2028y\u0085z\"}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n",
			"1.27", "kind: Pod\rmetadata: {name: p, annotations: {a: \"x\u2028y\u0085z\"}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"},
		{"second document", "---\n# first\nkind: A\nmetadata: {name: a}\n---\n\n# second\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n...\n",
			"1.27", "---\n# first\nkind: A\nmetadata: {name: a}\n---\n\n# second\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n...\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, errs := Scan([]File{{Path: "f.yaml", Data: []byte(tt.src)}}, rules)
			if len(errs) > 0 || len(imgs) != 1 {
				t.Fatalf("imgs %d errs %v", len(imgs), errs)
			}
			e, err := imgs[0].SetTag(tt.tag)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Rewrite([]byte(tt.src), []Edit{e})
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Fatalf("got:\n%q\nwant:\n%q", out, tt.want)
			}
		})
	}
}

func TestRewriteRefusesChangedFile(t *testing.T) {
	src := []byte("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx:1.25}\n")
	imgs, _ := Scan([]File{{Path: "f.yaml", Data: src}}, nil)
	e, err := imgs[0].SetTag("1.27")
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(src, []byte("nginx:1.25"), []byte("nginx:1.26"), 1)
	if _, err := Rewrite(changed, []Edit{e}); err == nil || !strings.Contains(err.Error(), "f.yaml:5: expected \"1.25\"") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Rewrite(src, []Edit{e, e}); err == nil || !strings.Contains(err.Error(), "overlapping") {
		t.Fatalf("err = %v", err)
	}
	if _, err := imgs[0].SetTag("bad tag"); err == nil {
		t.Fatal("invalid tag accepted")
	}
}

func TestRewriteFiles(t *testing.T) {
	files, data := readFixtures(t, "public/flux-get-started-podinfo-dep.yaml", "public/podinfo-backend-deployment.yaml")
	imgs, _ := Scan(files, nil)
	var edits []Edit
	for _, im := range imgs {
		e, err := im.SetTag("7.0.0")
		if err != nil {
			t.Fatal(err)
		}
		edits = append(edits, e)
	}
	out, err := RewriteFiles(data, edits)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("changed %d files", len(out))
	}
	got := changedLines(data["public/flux-get-started-podinfo-dep.yaml"], out["public/flux-get-started-podinfo-dep.yaml"])
	if !reflect.DeepEqual(got, []int{30, 36}) {
		t.Fatalf("changed lines %v", got)
	}
	if _, err := RewriteFiles(map[string][]byte{}, edits); err == nil {
		t.Fatal("missing file accepted")
	}
}
