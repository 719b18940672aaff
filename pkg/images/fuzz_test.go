package images

// Fuzz targets for the parsers that read untrusted input: tag policies and their
// ordering, image references, .gitops.yaml's images section, and the scan + in-place
// rewrite of manifests. `go test` runs the seeds (f.Add and testdata/fuzz/); `make fuzz`
// (docs/testing.md) hunts with -fuzz.

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// addFixtures adds every YAML file of testdata/public as a seed.
func addFixtures(f *testing.F) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "public", "*.yaml"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed fixtures in testdata/public: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

var seedTags = strings.Join([]string{"1.0.0", "1.0.1", "v1.2.0", "2.0.0-rc.1", "2.0.0", "latest", "build-9", "build-10",
	"main-abc-100", "main-def-99", "01", "1", "1.10", "1.9", "nan", "Inf", "1e3", "0x10", "-1", ""}, "\n")

// checkCandidates checks what any policy must do with any tag list: choose among the
// given tags, each once, newest first by a total order (so the answer does not depend on
// the order the registry listed the tags in), and agree with Latest and Allows.
func checkCandidates(t *testing.T, p Policy, tags []string) {
	t.Helper()
	got := p.Candidates(slices.Clone(tags))
	seen := map[string]bool{}
	for _, c := range got {
		if !slices.Contains(tags, c) {
			t.Fatalf("%s: candidate %q is not among the tags %q", p, c, tags)
		}
		if seen[c] {
			t.Fatalf("%s: candidate %q twice in %q", p, c, got)
		}
		seen[c] = true
		if !Allows(p, c) {
			t.Fatalf("%s: candidate %q of %q, but Allows(%q) is false", p, c, tags, c)
		}
	}
	for _, tag := range tags {
		if Allows(p, tag) != seen[tag] {
			t.Fatalf("%s: Allows(%q) = %v, but the tag is a candidate of %q: %v", p, tag, Allows(p, tag), tags, seen[tag])
		}
	}
	latest, ok := Latest(p, tags)
	if ok != (len(got) > 0) || ok && latest != got[0] {
		t.Fatalf("%s: Latest = %q, %v; Candidates = %q", p, latest, ok, got)
	}
	for _, perm := range permutations(tags) {
		if other := p.Candidates(perm); !reflect.DeepEqual(other, got) {
			t.Fatalf("%s: the order depends on the order of the tags:\n%q gives %q\n%q gives %q", p, tags, got, perm, other)
		}
	}
	// Every pair on its own ranks as in the whole list.
	for i := 0; i < len(got); i++ {
		for j := i + 1; j < len(got); j++ {
			if pair := p.Candidates([]string{got[j], got[i]}); !reflect.DeepEqual(pair, []string{got[i], got[j]}) {
				t.Fatalf("%s: %q ranks %q before %q, but on their own they rank %q", p, got, got[i], got[j], pair)
			}
		}
	}
}

// permutations returns a few reorderings of tags: reversed, rotated, interleaved.
func permutations(tags []string) [][]string {
	rev := slices.Clone(tags)
	slices.Reverse(rev)
	var rot, inter []string
	if len(tags) > 0 {
		rot = append(slices.Clone(tags[1:]), tags[0])
	}
	for i := 0; i < len(tags); i += 2 {
		inter = append(inter, tags[i])
	}
	for i := 1; i < len(tags); i += 2 {
		inter = append(inter, tags[i])
	}
	return [][]string{rev, rot, inter}
}

func splitTags(s string) []string {
	tags := strings.Split(s, "\n")
	if len(tags) > 32 { // the pairwise check is quadratic
		tags = tags[:32]
	}
	return tags
}

func FuzzParsePolicy(f *testing.F) {
	for _, spec := range []string{"semver:~1.0", "semver:^1", "semver:>=2.0.0-0", "semver:*", "glob:build-*", "glob:*",
		"build-?", "glob:latest", `regex:^3\.10\.`, "regex:^main-", "regexp:^v?[0-9]+$", "glob:[!a]*", `glob:v\*`,
		"semver:", "glob:[", "unknown:x", ""} {
		f.Add(spec, seedTags)
	}
	f.Fuzz(func(t *testing.T, spec, tags string) {
		p, err := ParsePolicy(spec)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParsePolicy(%q): empty error", spec)
			}
			return
		}
		list := splitTags(tags)
		checkCandidates(t, p, list)
		// The annotation form reads back as the same policy.
		again, err := ParsePolicy(p.String())
		if err != nil {
			t.Fatalf("ParsePolicy(%q) = %s, which does not parse again: %v", spec, p, err)
		}
		if a, b := p.Candidates(slices.Clone(list)), again.Candidates(slices.Clone(list)); !reflect.DeepEqual(a, b) {
			t.Fatalf("%q and its String() %q choose differently: %q vs %q", spec, p, a, b)
		}
	})
}

func FuzzRegexPolicy(f *testing.F) {
	f.Add(`^main-[0-9a-f]+-(?P<ts>[0-9]+)$`, "ts", uint8(0), false, "main-abc-100\nmain-def-99\nmain-aaa-1000\nmain-bad-x1")
	f.Add(`^(?P<v>.*)$`, "", uint8(0), true, seedTags)
	f.Add(`^(?P<a>\d+)\.(?P<b>\d+)$`, "${a}${b}", uint8(1), false, "1.10\n1.9\n10.1\n2.0")
	f.Add(`(?P<n>[0-9.e+-]+|nan|inf)`, "n", uint8(0), false, seedTags)
	f.Add(`.`, "", uint8(2), false, seedTags)
	orders := []Order{OrderNumerical, OrderAlphabetical, OrderNatural}
	f.Fuzz(func(t *testing.T, pattern, extract string, order uint8, desc bool, tags string) {
		opts := RegexOptions{Extract: extract, Order: orders[int(order)%len(orders)], Descending: desc}
		p, err := NewRegex(pattern, opts)
		if err != nil {
			return
		}
		checkCandidates(t, p, splitTags(tags))
	})
}

// The comparisons behind the orderings are total orders: antisymmetric and transitive.
func FuzzCompare(f *testing.F) {
	for _, s := range [][3]string{{"1.9", "1.10", "1.10.0"}, {"01", "1", "1a"}, {"build-9", "build-10", "build-"},
		{"100000000000000000001", "100000000000000000000", "1e20"}, {"nan", "1", "2"}, {"1.5", "-1", "inf"},
		{"a", "a0", "0a"}, {"", "0", "00"}} {
		f.Add(s[0], s[1], s[2])
	}
	compares := map[string]func(a, b string) int{
		"naturalCompare": naturalCompare,
		"compareNumbers": func(a, b string) int {
			c, ok := compareNumbers(a, b)
			if ok != (isNumber(a) && isNumber(b)) {
				panic("compareNumbers: ok disagrees with isNumber for " + a + ", " + b)
			}
			return c
		},
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for name, cmp := range compares {
			if name == "compareNumbers" && !(isNumber(a) && isNumber(b) && isNumber(c)) {
				continue
			}
			checkTotalOrder(t, name, cmp, a, b, c)
		}
	})
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func checkTotalOrder(t *testing.T, name string, cmp func(a, b string) int, vs ...string) {
	t.Helper()
	for _, x := range vs {
		if cmp(x, x) != 0 {
			t.Fatalf("%s(%q, %q) = %d, want 0", name, x, x, cmp(x, x))
		}
		for _, y := range vs {
			if sign(cmp(x, y)) != -sign(cmp(y, x)) {
				t.Fatalf("%s is not antisymmetric: (%q, %q) = %d, (%q, %q) = %d", name, x, y, cmp(x, y), y, x, cmp(y, x))
			}
			for _, z := range vs {
				xy, yz, xz := sign(cmp(x, y)), sign(cmp(y, z)), sign(cmp(x, z))
				if xy <= 0 && yz <= 0 && xz > 0 || xy == 0 && yz == 0 && xz != 0 {
					t.Fatalf("%s is not transitive: %q vs %q: %d, %q vs %q: %d, %q vs %q: %d", name, x, y, xy, y, z, yz, x, z, xz)
				}
			}
		}
	}
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"nginx", "nginx:1.25", "docker.io/library/nginx:1.25", "localhost:5000/app:v1",
		"ghcr.io/acme/app@sha256:" + strings.Repeat("a", 64), "ghcr.io/acme/app:1@sha256:" + strings.Repeat("0", 64),
		"127.0.0.1:5000/x", "UPPER/case", "a:b:c", " nginx", "nginx:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			return
		}
		if ref.String() != s {
			t.Fatalf("ParseReference(%q).String() = %q: the reference is not kept as written", s, ref.String())
		}
		again, err := NewReference(ref.Repository, ref.Tag)
		if err != nil || !SameRepository(again, ref) || again.Tag != ref.Tag {
			t.Fatalf("NewReference(%q, %q) = %v, %v; from %q", ref.Repository, ref.Tag, again, err, s)
		}
	})
}

const fuzzConfigFile = "deploy/.gitops.yaml"

// .gitops.yaml's images section: errors name the file; what parses compiles into rules
// whose errors name the file too.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{goodConfig, markerConfig, "", "images: {}", "images:\n  policies:\n    - name: x\n",
		"images:\n  bogus: 1\n", "images: [1]\n", "generators: []\n", "images:\n  policies:\n    - {name: a, image: nginx, semver: '~1', minAge: 7d}\n    - {name: a, image: nginx, glob: '*'}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, lines, err := ParseConfig(fuzzConfigFile, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), fuzzConfigFile+":") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		rules, err := cfg.Rules(fuzzConfigFile, lines)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, fuzzConfigFile) {
					t.Fatalf("error does not name the file: %q in\n%v", line, err)
				}
			}
			return
		}
		for name, np := range rules.Policies {
			if np.Name != name || np.Policy == nil || !strings.HasPrefix(np.Source, fuzzConfigFile) {
				t.Fatalf("policy %q: %+v", name, np)
			}
		}
	})
}

const (
	fuzzManifest      = "apps/web.yaml"
	fuzzKustomization = "apps/kustomization.yaml"
)

// Scanning a file (as a plain manifest and as a kustomization file) and setting any
// image's tag: errors name the file, and the rewrite changes the tag's bytes only (or
// adds a kustomization entry's missing newTag line): read again, the file has the same
// images, that one with the new tag and all others as they were.
func FuzzScanRewrite(f *testing.F) {
	addFixtures(f)
	for _, s := range []string{
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25 # keep me\n",
		"kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'nginx:1.25'}]}\n",
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: \"nginx@sha256:" + strings.Repeat("a", 64) + "\"\n",
		"kind: ConfigMap\nmetadata: {name: v}\ndata:\n  podinfo: ghcr.io/stefanprodan/podinfo:6.0.1 # {\"$imagepolicy\": \"podinfo\"}\n  tag: 6.0.0 # {\"$imagepolicy\": \"flux-system:podinfo:tag\"}\n",
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: &nginx nginx\n",
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: !!str nginx:1\n",
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: |\n      nginx:1\n",
		"kind: List\nitems:\n- kind: Pod\n  metadata: {name: p}\n  spec:\n    initContainers:\n    - {name: i, image: busybox}\n",
		"kind: Pod\rmetadata: {name: p, annotations: {a: \"x\u2028y\u0085z\"}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n",
		"images:\n- name: redis # cache\n  newTag: \"7.0\"\n- name: x\n  newName: ghcr.io/stefanprodan/podinfo\n- {name: redis}\n",
		"images:\r\n  -   name: docker.io/library/redis\r\n      digest: sha256:" + strings.Repeat("b", 64) + "\r\n- name: redis",
		"images: [{name: ghcr.io/stefanprodan/podinfo, newTag: 6.0.0 # {\"$imagepolicy\": \"podinfo:tag\"}\n}, {name: redis,\n newTag: '7'}]\n",
		"images:\n- name: redis # {\"$imagepolicy\": \"redis:tag\"}\n- newName: docker.io/library/redis # {\"$imagepolicy\": \"redis:name\"}\n  name: x\n",
	} {
		f.Add([]byte(s))
	}
	rules := mustRules(f, markerConfig)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, file := range []string{fuzzManifest, fuzzKustomization} {
			checkScanRewrite(t, rules, file, data)
		}
	})
}

func checkScanRewrite(t *testing.T, rules *Rules, file string, data []byte) {
	imgs, errs := Scan([]File{{Path: file, Data: data}}, rules)
	for _, err := range errs {
		if !strings.HasPrefix(err.Error(), file+":") {
			t.Fatalf("error does not name the file: %v", err)
		}
	}
	for i, im := range imgs {
		if im.File != file || im.Line < 1 {
			t.Fatalf("image %d: file %q line %d", i, im.File, im.Line)
		}
		for _, tag := range []string{"fuzz-2", "1.10"} {
			e, err := im.SetTag(tag)
			if err != nil {
				continue
			}
			out, err := Rewrite(data, []Edit{e})
			if err != nil {
				t.Fatalf("%s: Rewrite(SetTag(%q)): %v", im.Where(), tag, err)
			}
			if !bytes.Equal(out[:e.Start], data[:e.Start]) || !bytes.Equal(out[e.Start+len(e.New):], data[e.End:]) {
				t.Fatalf("%s: bytes outside the edit changed", im.Where())
			}
			want := tag
			if im.Field == FieldImage {
				want = im.Ref.Repository + ":" + tag
			}
			// An added newTag line moves the lines after it, and is the image's line then.
			added := strings.Count(e.New, "\n")
			at := bytes.Count(data[:e.Start], []byte("\n")) + 1
			again, _ := Scan([]File{{Path: file, Data: out}}, rules)
			if len(again) != len(imgs) {
				t.Fatalf("%s: SetTag(%q) turned %d images into %d:\n%s\n-- into --\n%s", im.Where(), tag, len(imgs), len(again), data, out)
			}
			for j := range again {
				w, line := imgs[j].Value, imgs[j].Line
				if j == i {
					w = want
				}
				switch {
				case j == i && added > 0:
					line = at + added
				case line > at:
					line += added
				}
				if again[j].Value != w || again[j].Path != imgs[j].Path || again[j].Line != line {
					t.Fatalf("%s: SetTag(%q): image %d (%s, line %d) reads %q, want %q (line %d):\n%s\n-- into --\n%s",
						im.Where(), tag, j, again[j].Path, again[j].Line, again[j].Value, w, line, data, out)
				}
			}
		}
	}
}
