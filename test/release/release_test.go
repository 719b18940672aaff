package release

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/version"
)

const (
	tag        = "v0.9.0"
	commitDate = "2026-01-02T03:04:05Z"
	// The platforms of the release, and the one built for real here (the others get a
	// stub binary: their archives, names and checksums are still made and checked).
	hostOS = "linux"
)

var platforms = []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"}

// TestRelease runs goreleaser on .goreleaser.yaml as it is, in a temporary copy of the
// work tree tagged v0.9.0, with only the destinations changed: the GitHub release is
// disabled, the image goes to a registry on loopback built on a distroless-like base
// pushed there, and the krew manifest's URLs point at a file server of dist/. Every
// target is built for this machine's platform only; the others' binaries are stubs.
func TestRelease(t *testing.T) {
	if runtime.GOOS != hostOS {
		t.Fatalf("the release test runs on %s (it builds the %s image and runs its binary)", hostOS, hostOS)
	}
	ctx := t.Context()
	goreleaser, krew, validate := tool(t, "goreleaser"), tool(t, "krew"), tool(t, "validate-krew-manifest")
	host := hostOS + "_" + runtime.GOARCH

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	regHost := strings.TrimPrefix(reg.URL, "http://")
	base := pushBase(t, regHost+"/distroless/static:nonroot")

	work := t.TempDir()
	repo := copyWorkTree(t, repoRoot(t), filepath.Join(work, "repo"))
	dist := filepath.Join(repo, "dist")
	files := httptest.NewServer(http.FileServer(http.Dir(dist)))
	t.Cleanup(files.Close)

	stub := filepath.Join(work, "stub-go")
	writeFile(t, stub, "#!/bin/sh\n# A stand-in for `go build` on the platforms not built for real: writes a stub binary to -o.\n"+
		"while [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then printf 'stub for %s/%s\\n' \"$GOOS\" \"$GOARCH\" > \"$2\"; exit 0; fi; shift; done\nexit 1\n", 0o755)
	cfg := releaseConfig(t, filepath.Join(repo, ".goreleaser.yaml"), map[string]string{
		"tool":         fmt.Sprintf(`{{ if and (eq .Os %q) (eq .Arch %q) }}go{{ else }}%s{{ end }}`, hostOS, runtime.GOARCH, stub),
		"base_image":   base,
		"repository":   regHost + "/kubectl-gitops/kubectl-gitops-bot",
		"platform":     hostOS + "/" + runtime.GOARCH,
		"url_template": files.URL + "/{{ .ArtifactName }}",
	})
	env := []string{"GITHUB_TOKEN=", "GITLAB_TOKEN=", "GITEA_TOKEN=", "KO_DOCKER_REPO="}
	out := run(t, ctx, repo, env, goreleaser, "release", "--clean", "--config", cfg, "--skip=announce")
	t.Logf("goreleaser release:\n%s", tail(out, 40))
	commit := strings.TrimSpace(run(t, ctx, repo, nil, "git", "rev-parse", "HEAD"))
	want := version.Info{Version: tag, Commit: commit, Date: commitDate, Platform: hostOS + "/" + runtime.GOARCH}

	t.Run("archives and checksums", func(t *testing.T) {
		sums := readChecksums(t, filepath.Join(dist, "checksums.txt"))
		var names []string
		for _, bin := range []string{"kubectl-gitops", "kubectl-gitops-bot"} {
			for _, p := range platforms {
				ext := ".tar.gz"
				if strings.HasPrefix(p, "windows") {
					ext = ".zip"
				}
				names = append(names, bin+"_"+strings.TrimPrefix(tag, "v")+"_"+p+ext)
			}
		}
		slices.Sort(names)
		if got := slices.Sorted(maps.Keys(sums)); !slices.Equal(got, names) {
			t.Fatalf("checksums.txt lists %v, want %v", got, names)
		}
		for n, sum := range sums {
			if got := sha256File(t, filepath.Join(dist, n)); got != sum {
				t.Errorf("%s: sha256 %s, checksums.txt says %s", n, got, sum)
			}
		}
		for _, p := range platforms {
			exe := map[bool]string{true: ".exe"}[strings.HasPrefix(p, "windows")]
			arch := filepath.Join(dist, names[slices.IndexFunc(names, func(n string) bool {
				return strings.HasPrefix(n, "kubectl-gitops_") && strings.Contains(n, "_"+p+".")
			})])
			entries := archiveEntries(t, arch)
			for _, f := range []string{"kubectl-gitops" + exe, "kubectl_complete-gitops", "LICENSE"} {
				mode, ok := entries[f]
				if !ok {
					t.Errorf("%s lacks %s (has %v)", filepath.Base(arch), f, entries)
				} else if f != "LICENSE" && !strings.HasPrefix(p, "windows") && mode&0o111 == 0 {
					t.Errorf("%s: %s is not executable (%v)", filepath.Base(arch), f, mode)
				}
			}
		}
	})

	t.Run("the binaries say their version", func(t *testing.T) {
		dir := t.TempDir()
		for _, bin := range []string{"kubectl-gitops", "kubectl-gitops-bot"} {
			extract(t, filepath.Join(dist, bin+"_"+strings.TrimPrefix(tag, "v")+"_"+host+".tar.gz"), bin, filepath.Join(dir, bin))
		}
		var got version.Info
		if err := json.Unmarshal([]byte(run(t, ctx, dir, nil, filepath.Join(dir, "kubectl-gitops"), "version", "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		want.GoVersion = got.GoVersion
		if got != want || !strings.HasPrefix(got.GoVersion, "go1.") {
			t.Errorf("kubectl gitops version -o json: %+v, want %+v", got, want)
		}
		for _, bin := range []string{"kubectl-gitops", "kubectl-gitops-bot"} {
			if out := run(t, ctx, dir, nil, filepath.Join(dir, bin), "--version"); !strings.Contains(out, " version "+tag+" (commit "+commit+", "+commitDate+", go1.") {
				t.Errorf("%s --version: %q", bin, out)
			}
		}
	})

	t.Run("krew manifest", func(t *testing.T) {
		manifest := filepath.Join(dist, "krew", "gitops.yaml")
		var m struct {
			Metadata struct{ Name string }
			Spec     struct {
				Version   string
				Platforms []struct {
					URI, Sha256, Bin string
					Selector         struct {
						MatchLabels map[string]string `yaml:"matchLabels"`
					}
				}
			}
		}
		readYAML(t, manifest, &m)
		if m.Metadata.Name != "gitops" || m.Spec.Version != tag || len(m.Spec.Platforms) != len(platforms) {
			t.Fatalf("manifest: name %q, version %q, %d platforms", m.Metadata.Name, m.Spec.Version, len(m.Spec.Platforms))
		}
		for _, p := range m.Spec.Platforms {
			goos, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
			ext := map[bool]string{true: ".zip", false: ".tar.gz"}[goos == "windows"]
			if wantURI := files.URL + "/kubectl-gitops_" + strings.TrimPrefix(tag, "v") + "_" + goos + "_" + arch + ext; p.URI != wantURI {
				t.Errorf("%s/%s: uri %s, want %s", goos, arch, p.URI, wantURI)
			}
		}
		// krew-index's own check: structure, platforms, then `kubectl krew install
		// --manifest` of every platform (download, sha256, extraction, bin, LICENSE).
		shim := t.TempDir()
		writeFile(t, filepath.Join(shim, "kubectl"), "#!/bin/sh\n# kubectl's plugin dispatch, for `kubectl krew` only.\n"+
			"[ \"$1\" = krew ] || exit 1\nshift\nKREW_NO_UPGRADE_CHECK=1 exec "+krew+" \"$@\"\n", 0o755)
		out := run(t, ctx, work, []string{"PATH=" + shim + string(os.PathListSeparator) + os.Getenv("PATH")}, validate, "-manifest", manifest)
		if !strings.Contains(out, fmt.Sprintf("all %d spec.platforms installed fine", len(platforms))) {
			t.Errorf("validate-krew-manifest:\n%s", out)
		}
		// The same check refuses an archive whose checksum is not the manifest's.
		data, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(t.TempDir(), "gitops.yaml")
		writeFile(t, bad, strings.Replace(string(data), m.Spec.Platforms[0].Sha256, strings.Repeat("ab", 32), 1), 0o644)
		cmd := exec.CommandContext(ctx, validate, "-manifest", bad)
		cmd.Env = append(os.Environ(), "PATH="+shim+string(os.PathListSeparator)+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "checksum") {
			t.Errorf("validate-krew-manifest accepted a wrong sha256 (%v):\n%s", err, out)
		}
	})

	t.Run("bot image", func(t *testing.T) {
		for _, tg := range []string{tag, "latest"} {
			img := imageFor(t, regHost+"/kubectl-gitops/kubectl-gitops-bot:"+tg)
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.OS != hostOS || cf.Architecture != runtime.GOARCH {
				t.Errorf("%s: platform %s/%s", tg, cf.OS, cf.Architecture)
			}
			if !slices.Equal(cf.Config.Entrypoint, []string{"/ko-app/bot"}) {
				t.Errorf("%s: entrypoint %v, want [/ko-app/bot]", tg, cf.Config.Entrypoint)
			}
			uid, _, _ := strings.Cut(cf.Config.User, ":")
			if n, err := strconv.Atoi(uid); err != nil || n == 0 {
				t.Errorf("%s: user %q, want a numeric non-root uid", tg, cf.Config.User)
			}
			if got := cf.Config.Labels["org.opencontainers.image.revision"]; got != commit {
				t.Errorf("%s: revision label %q, want %s", tg, got, commit)
			}
			if tg != tag {
				continue
			}
			// The base's files are there, and the bot in the layer is the release's.
			fs := mutate.Extract(img)
			bin := filepath.Join(t.TempDir(), "bot")
			var sawPasswd bool
			tr := tar.NewReader(fs)
			for {
				h, err := tr.Next()
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				switch strings.TrimPrefix(h.Name, "/") {
				case "etc/passwd":
					sawPasswd = true
				case "ko-app/bot":
					f, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := io.Copy(f, tr); err != nil {
						t.Fatal(err)
					}
					f.Close()
				}
			}
			fs.Close()
			if !sawPasswd {
				t.Errorf("the image lacks the base's /etc/passwd")
			}
			if out := run(t, ctx, filepath.Dir(bin), nil, bin, "--version"); !strings.Contains(out, "kubectl-gitops-bot version "+tag+" (commit "+commit) {
				t.Errorf("/ko-app/bot --version: %q", out)
			}
			// ko's SBOM (SPDX) is attached to the image.
			d, err := img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := remote.Head(mustRef(t, regHost+"/kubectl-gitops/kubectl-gitops-bot:"+d.Algorithm+"-"+d.Hex+".sbom")); err != nil {
				t.Errorf("no SBOM attached to %s: %v", d, err)
			}
		}
	})
}

// releaseConfig writes the release's configuration with its destinations changed,
// and returns its path.
func releaseConfig(t *testing.T, path string, with map[string]string) string {
	t.Helper()
	var c map[string]any
	readYAML(t, path, &c)
	c["release"] = map[string]any{"disable": true}
	for _, b := range c["builds"].([]any) {
		b.(map[string]any)["tool"] = with["tool"]
	}
	for _, k := range c["kos"].([]any) {
		k := k.(map[string]any)
		k["base_image"], k["repositories"], k["platforms"] = with["base_image"], []string{with["repository"]}, []string{with["platform"]}
	}
	for _, k := range c["krews"].([]any) {
		k.(map[string]any)["url_template"] = with["url_template"]
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(filepath.Dir(path)), "goreleaser-test.yaml")
	writeFile(t, out, string(data), 0o644)
	return out
}

// pushBase pushes a small stand-in for gcr.io/distroless/static:nonroot (an index of
// linux/amd64 and linux/arm64 images with /etc/passwd and user 65532) and returns its reference.
func pushBase(t *testing.T, ref string) string {
	t.Helper()
	layer, err := crane.Layer(map[string][]byte{
		"etc/passwd": []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		"etc/group":  []byte("root:x:0:\nnonroot:x:65532:\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	idx := v1.ImageIndex(empty.Index)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.AppendLayers(empty.Image, layer)
		if err != nil {
			t.Fatal(err)
		}
		img, err = mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: arch,
			Config: v1.Config{User: "65532", Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}})
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	if err := remote.WriteIndex(mustRef(t, ref), idx); err != nil {
		t.Fatalf("push the base image: %v", err)
	}
	return ref
}

// imageFor reads ref from the registry: the image itself, or its entry for this platform.
func imageFor(t *testing.T, ref string) v1.Image {
	t.Helper()
	desc, err := remote.Get(mustRef(t, ref), remote.WithPlatform(v1.Platform{OS: hostOS, Architecture: runtime.GOARCH}))
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return img
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// copyWorkTree copies the work tree's files (tracked and untracked, as git sees them:
// local changes included, ignored files left out) into a new repository at dst with one
// commit dated commitDate, tagged tag.
func copyWorkTree(t *testing.T, src, dst string) string {
	t.Helper()
	ctx := context.Background()
	list := run(t, ctx, src, nil, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimRight(list, "\x00"), "\x00") {
		info, err := os.Lstat(filepath.Join(src, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		} else if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if info.Mode()&os.ModeSymlink != 0 {
			link, err := os.Readlink(filepath.Join(src, f))
			if err == nil {
				err = os.Symlink(link, target)
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, target, string(data), info.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dst, "LICENSE")); err != nil {
		t.Fatalf("the archives need LICENSE (krew-index requires one): %v", err)
	}
	env := []string{"GIT_AUTHOR_NAME=release-test", "GIT_AUTHOR_EMAIL=release-test@example.com", "GIT_AUTHOR_DATE=" + commitDate,
		"GIT_COMMITTER_NAME=release-test", "GIT_COMMITTER_EMAIL=release-test@example.com", "GIT_COMMITTER_DATE=" + commitDate}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "--no-gpg-sign", "-m", "release test"},
		{"tag", tag},
		{"remote", "add", "origin", "https://github.com/kubectl-gitops/kubectl-gitops.git"},
	} {
		run(t, ctx, dst, env, "git", args...)
	}
	return dst
}

func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("checksums.txt: bad line %q", sc.Text())
		}
		sums[name] = sum
	}
	return sums
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// archiveEntries lists the files of a .tar.gz or .zip with their modes.
func archiveEntries(t *testing.T, path string) map[string]os.FileMode {
	t.Helper()
	entries := map[string]os.FileMode{}
	if strings.HasSuffix(path, ".zip") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			entries[f.Name] = f.Mode()
		}
		return entries
	}
	walkTar(t, path, func(h *tar.Header, _ io.Reader) { entries[h.Name] = h.FileInfo().Mode() })
	return entries
}

// extract writes the entry name of a .tar.gz to dst, executable.
func extract(t *testing.T, archive, name, dst string) {
	t.Helper()
	found := false
	walkTar(t, archive, func(h *tar.Header, r io.Reader) {
		if h.Name != name {
			return
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dst, string(data), 0o755)
		found = true
	})
	if !found {
		t.Fatalf("%s has no %s", filepath.Base(archive), name)
	}
}

func walkTar(t *testing.T, path string, fn func(*tar.Header, io.Reader)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		fn(h, tr)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
