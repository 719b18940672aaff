package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// bigNamespace holds the big repository's target (not benchNamespace: its objects
// have the same names).
const bigNamespace = "botbig"

// bigRepo is the generated repository: main's history of commits, and a pull
// request branch of one commit per run, each changing the same 3 manifests.
type bigRepo struct {
	repo    gitRepo
	heads   []string // the pull request's successive heads, in staging until pushed
	staging string   // where the repository was generated
	files   int      // files of main's tree
	commits int      // commits of main
	served  *countingServer
}

// countingServer is git http-backend behind a counter of the bytes it answers.
type countingServer struct {
	*httptest.Server
	bytes atomic.Int64
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

// newBigRepo generates the repository with git fast-import (one process, not a
// commit per call): main's first commit holds the target's manifests
// (deploy/, one object each), .gitops.yaml (live against cluster) and unrelated
// files up to files in all; each later commit of main changes 2 unrelated files.
// The pull request's heads follow main, each changing the same 3 manifests again.
func newBigRepo(cl *cleanups, work string, b bigrepoConfig, heads int) (*bigRepo, error) {
	root := filepath.Join(work, "bigrepo-git")
	backend, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		return nil, err
	}
	backend.Close() // only its handler is used, behind the counter
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		backend.Config.Handler.ServeHTTP(countingWriter{w, &cs.bytes}, r)
	}))
	cl.Cleanup(cs.Close)
	br := &bigRepo{served: cs, commits: b.commits, staging: filepath.Join(work, "bigrepo-staging.git"),
		repo: gitRepo{owner: "acme", name: "bigfleet", bare: filepath.Join(root, "bigfleet.git"), cloneURL: cs.URL + "/bigfleet.git"}}
	for _, dir := range []string{br.repo.bare, br.staging} {
		if _, err := gitrepotest.Run("", "init", "-q", "--bare", "-b", "main", dir); err != nil {
			return nil, err
		}
	}
	// Served as GitHub serves it: the cache fetches each head by its sha, the commits
	// it holds offered as haves (without this, the fallback by ref sends whole trees).
	if err := likeGitHub(br.repo.bare); err != nil {
		return nil, err
	}

	manifests := bigManifests(b.objects, -1)
	main := withConfig(manifests, "testcluster")
	main[".gitops.yaml"] = strings.ReplaceAll(main[".gitops.yaml"], benchNamespace, bigNamespace)
	for i := 0; len(main) < b.files; i++ {
		main[unrelatedPath(i)] = unrelated(i, 0)
	}
	br.files = len(main)
	unrelatedN := br.files - len(manifests) - 1

	cmd := gitrepotest.Command(br.staging, "fast-import", "--quiet", "--done")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	var out strings.Builder
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	when := int64(1700000000)
	commit := func(ref, msg string, from string, files map[string]string) {
		when += 60
		fmt.Fprintf(w, "commit %s\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n", ref, when, len(msg), msg)
		if from != "" {
			fmt.Fprintf(w, "from %s\n", from)
		}
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", p, len(files[p]), files[p])
		}
		w.WriteString("\n")
	}
	commit("refs/heads/main", "initial", "", main)
	for c := 1; c < b.commits; c++ {
		i, j := (2*c)%unrelatedN, (2*c+1)%unrelatedN
		commit("refs/heads/main", fmt.Sprintf("change %d", c), "", map[string]string{
			unrelatedPath(i): unrelated(i, c), unrelatedPath(j): unrelated(j, c)})
	}
	for h := range heads {
		from := ""
		if h == 0 {
			from = "refs/heads/main" // fast-import resolves its own branches by name
		}
		changed := bigManifests(b.objects, h)
		files := map[string]string{}
		for p, content := range changed {
			if manifests[p] != content {
				files[p] = content
			}
		}
		commit("refs/heads/feature", fmt.Sprintf("change 3 manifests, push %d", h+1), from, files)
	}
	w.WriteString("done\n")
	if err := w.Flush(); err != nil {
		return nil, err
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git fast-import: %w: %s", err, out.String())
	}
	if br.repo.mainSHA, err = gitrepotest.Run(br.staging, "rev-parse", "main"); err != nil {
		return nil, err
	}
	list, err := gitrepotest.Run(br.staging, "rev-list", "--reverse", "main..feature")
	if err != nil {
		return nil, err
	}
	br.heads = strings.Fields(list)
	if len(br.heads) != heads {
		return nil, fmt.Errorf("the generated pull request has %d heads, want %d", len(br.heads), heads)
	}
	// The served repository has main; each head is pushed to it before its run
	// (push), so no job finds a later head already fetched.
	if _, err := gitrepotest.Run(br.staging, "push", "-q", br.repo.bare, "main"); err != nil {
		return nil, err
	}
	// http-backend serves what a server would: packed, with bitmaps.
	if _, err := gitrepotest.Run(br.repo.bare, "repack", "-a", "-d", "-q", "--write-bitmap-index"); err != nil {
		return nil, err
	}
	return br, nil
}

// bigManifests are the target's n objects (objects of fixture.go, in bigNamespace);
// push ≥ 0 changes 3 of them (a ConfigMap's value, a Deployment's image tag, a
// Service's target port) to values of that push.
func bigManifests(n, push int) map[string]string {
	files := map[string]string{}
	for p, content := range objects(n, false) {
		files[p] = strings.ReplaceAll(content, benchNamespace, bigNamespace)
	}
	if push < 0 {
		return files
	}
	cm, dep, svc := "deploy/app-000.yaml", "deploy/app-001.yaml", "deploy/app-002.yaml"
	files[cm] = strings.Replace(files[cm], "color: blue", fmt.Sprintf("color: green-%d", push), 1)
	files[dep] = strings.Replace(files[dep], "app:v1", fmt.Sprintf("app:v2.%d", push), 1)
	files[svc] = strings.Replace(files[svc], "targetPort: 8080", fmt.Sprintf("targetPort: %d", 9000+push), 1)
	return files
}

// unrelatedPath is the path of the i-th file that is not a manifest: source and
// documentation, 100 per directory.
func unrelatedPath(i int) string {
	ext := ".go"
	if i%4 == 3 {
		ext = ".md"
	}
	return fmt.Sprintf("src/pkg%03d/file%04d%s", i/100, i, ext)
}

// unrelated is the content of that file at main's commit c: ~1 KiB, half of it
// hashes (so it does not compress away).
func unrelated(i, c int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// File %d, revision %d.\npackage pkg%03d\n\n", i, c, i/100)
	for k := range 8 {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%d/%d", i, c, k)))
		fmt.Fprintf(&b, "var v%d = %q // some text that repeats from file to file\n", k, hex.EncodeToString(sum[:]))
	}
	return b.String()
}

// push makes head the served repository's feature branch, as a push of the pull
// request would.
func (br *bigRepo) push(head string) error {
	_, err := gitrepotest.Run(br.staging, "push", "-q", "-f", br.repo.bare, head+":refs/heads/feature")
	return err
}
