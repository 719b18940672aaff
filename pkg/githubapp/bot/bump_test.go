package bot

import (
	"regexp"

	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"

	"github.com/google/go-github/v60/github"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// bumpFixture is a repository on a real git remote, the spec-checked fake GitHub as
// an App's API, and tag lists in memory.
type bumpFixture struct {
	t    *testing.T
	gh   *githubtest.Server
	app  *githubapp.App
	bare string
	repo *gitrepotest.Repo // the work tree, origin = bare
	mu   sync.Mutex
	tags map[string][]string // repository name → tags
	// cache, when set, is the bumpers' git cache (--git-cache-dir).
	cache    *gitcache.Cache
	cloneURL string
	log      *slog.Logger // the bumper's and the cache's, with the cache (nil: none)
}

var fixtureRepo = RepoRef{Installation: 1, Owner: "acme", Name: "fleet"}

func workload(name, image string) string {
	return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: shop\n  annotations:\n    fluxcd.io/automated: \"true\"\nspec:\n  template:\n    spec:\n      containers:\n        - name: %s\n          image: %s\n", name, name, image)
}

func newBumpFixture(t *testing.T, files map[string]string) *bumpFixture {
	t.Helper()
	f := &bumpFixture{t: t, tags: map[string][]string{}}
	root := t.TempDir()
	f.repo = gitrepotest.NewRepo(t, files)
	f.bare = f.repo.Bare(t, filepath.Join(root, "fleet.git"))
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.gh = githubtest.NewChecked(t)
	f.gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	f.cloneURL = srv.URL + "/fleet.git"
	f.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: f.bare, CloneURL: f.cloneURL})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if f.app, err = githubapp.NewApp(5, keyPEM, f.gh.URL, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// commit writes files on main and pushes them.
func (f *bumpFixture) commit(files map[string]string, msg string) {
	f.t.Helper()
	f.repo.Commit(f.t, msg, files)
	f.repo.Git(f.t, "push", "-q", "origin", "HEAD:main")
}

func (f *bumpFixture) setTags(repo string, tags ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tags[repo] = tags
}

func (f *bumpFixture) ListTags(_ context.Context, repo name.Repository) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tags, ok := f.tags[repo.Name()]
	if !ok {
		return nil, fmt.Errorf("no such repository %s", repo.Name())
	}
	return tags, nil
}

func (f *bumpFixture) bumper() *GitHubBumper {
	log := f.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &GitHubBumper{App: f.app, Log: log, GitCache: f.cache}
}

// checkNoToken fails when an installation token the fake GitHub issued is in logs or
// in a file under dirs: the bumper pushes from the shared git cache with it, and it
// must stay in memory (no remote URL, config or credential file keeps it).
func checkNoToken(t *testing.T, logs string, dirs ...string) {
	t.Helper()
	const token = "ghs_fake" // githubtest's installation tokens
	if !strings.Contains(logs, "git cache") {
		t.Errorf("no git cache line in the logs: not the logs of the bumps")
	}
	if strings.Contains(logs, token) {
		t.Errorf("an installation token is in the logs")
	}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), token) {
				t.Errorf("an installation token is written in %s", p)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

func (f *bumpFixture) bump(b *GitHubBumper, only []string) *BumpResult {
	f.t.Helper()
	res, err := b.Bump(context.Background(), fixtureRepo, only, f)
	if err != nil {
		f.t.Fatalf("bump: %v", err)
	}
	return res
}

// open lists the open pull requests as "branch: title".
func (f *bumpFixture) open() []string {
	var out []string
	for _, pr := range f.gh.PullRequests("acme/fleet") {
		if pr.State == "open" {
			out = append(out, pr.HeadRef+": "+pr.Title)
		}
	}
	sort.Strings(out)
	return out
}

// checkCache checks the git cache after the bumps: one repository, whole, keeping no
// ref but its own, no checkout left.
func (f *bumpFixture) checkCache(t *testing.T) {
	if _, n := f.cache.Usage(); n != 1 {
		t.Errorf("%d repositories cached, want 1", n)
	}
	bare := filepath.Join(f.cache.Dir(), "repos", gitcache.Key(cacheScope(fixtureRepo.Installation), f.cloneURL)+".git")
	if err := gitrepo.RepairMirror(bare); err != nil {
		t.Errorf("the cached repository after the bumps: %v", err)
	}
	for _, ref := range strings.Fields(gitrepotest.Git(t, bare, "for-each-ref", "--format=%(refname)")) {
		if !strings.HasPrefix(ref, gitrepo.MirrorRefPrefix) {
			t.Errorf("the cached repository keeps ref %s", ref)
		}
	}
	if wts, _ := os.ReadDir(filepath.Join(bare, "worktrees")); len(wts) != 0 {
		t.Errorf("%d checkouts left", len(wts))
	}
}

func (f *bumpFixture) branches() string {
	return gitrepotest.Git(f.t, f.bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/gitops/")
}

// TestBumpGroups: one pull request per image, then a group takes two of them (their
// pull requests are closed as superseded, their branches deleted), a run for one
// image touches only its branch, and two replicas racing open one pull request: with a
// clone per job, and from the git cache, which stays whole.
func TestBumpGroups(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(map[bool]string{false: "clone", true: "git cache"}[cached], func(t *testing.T) {
			testBumpGroups(t, cached)
		})
	}
}

func testBumpGroups(t *testing.T, cached bool) {
	f := newBumpFixture(t, map[string]string{
		"apps/web.yaml":    workload("web", "ghcr.io/acme/web:1.0.0"),
		"apps/api.yaml":    workload("api", "ghcr.io/acme/api:1.0.0"),
		"apps/worker.yaml": workload("worker", "quay.io/acme/worker:1.0.0"),
	})
	if cached {
		var logs botproc.Logs // any goroutine may log
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		dir, work := t.TempDir(), t.TempDir()
		c, err := gitcache.New(gitcache.Options{Dir: dir, WorkDir: work, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		f.cache, f.log = c, log
		t.Cleanup(func() {
			f.checkCache(t)
			checkNoToken(t, logs.String(), dir, work)
		})
	}
	for _, r := range []string{"ghcr.io/acme/web", "ghcr.io/acme/api", "quay.io/acme/worker"} {
		f.setTags(r, "1.0.0", "1.1.0")
	}
	res := f.bump(f.bumper(), nil)
	if len(res.Opened) != 3 {
		t.Fatalf("first run: %+v", res)
	}
	want := []string{
		"gitops/image/ghcr.io/acme/api: Update ghcr.io/acme/api to 1.1.0",
		"gitops/image/ghcr.io/acme/web: Update ghcr.io/acme/web to 1.1.0",
		"gitops/image/quay.io/acme/worker: Update quay.io/acme/worker to 1.1.0",
	}
	if got := f.open(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("open pull requests:\n%v\nwant\n%v", got, want)
	}

	// A group takes the ghcr.io images.
	f.commit(map[string]string{".gitops.yaml": "imagePullRequests:\n  groups:\n    - name: ghcr\n      images: ['ghcr.io/acme/*']\n"}, "group")
	res = f.bump(f.bumper(), nil)
	// (the worker's branch is made again on the moved main: pushed, "updated")
	if len(res.Opened) != 1 || len(res.Closed) != 2 || len(res.Updated) != 1 {
		t.Fatalf("grouped: %+v", res)
	}
	want = []string{
		"gitops/image/ghcr: Update images of group ghcr",
		"gitops/image/quay.io/acme/worker: Update quay.io/acme/worker to 1.1.0",
	}
	if got := f.open(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("open pull requests:\n%v\nwant\n%v", got, want)
	}
	if b := f.branches(); b != "gitops/image/ghcr\ngitops/image/quay.io/acme/worker" {
		t.Fatalf("branches:\n%s", b)
	}
	if n := gitrepotest.Git(t, f.bare, "rev-list", "--count", "main..gitops/image/ghcr"); n != "1" {
		t.Fatalf("the group's branch is %s commits ahead", n)
	}
	if files := gitrepotest.Git(t, f.bare, "diff", "--name-only", "main", "gitops/image/ghcr"); files != "apps/api.yaml\napps/web.yaml" {
		t.Fatalf("the group's commit changes %q", files)
	}
	for _, pr := range f.gh.PullRequests("acme/fleet") {
		if pr.State == "closed" && !strings.Contains(f.gh.Comments("acme/fleet", pr.Number)[0].Body, "Superseded") {
			t.Fatalf("#%d closed without saying why", pr.Number)
		}
	}

	// A run for one image: its group's branch only; nothing stale is looked for.
	f.setTags("quay.io/acme/worker", "1.0.0", "1.1.0", "1.2.0")
	res = f.bump(f.bumper(), []string{"ghcr.io/acme/web"})
	if len(res.Branches) != 1 || res.Branches[0].Branch != "gitops/image/ghcr" || res.Branches[0].Action != "unchanged" {
		t.Fatalf("only web: %+v", res)
	}

	// Two replicas at once, for the worker's newer tag and a new image: one pull
	// request each, never two.
	f.commit(map[string]string{"apps/cron.yaml": workload("cron", "quay.io/acme/cron:2.0.0")}, "cron")
	f.setTags("quay.io/acme/cron", "2.0.0", "2.1.0")
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.bumper().Bump(context.Background(), fixtureRepo, nil, f); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	want = []string{
		"gitops/image/ghcr: Update images of group ghcr",
		"gitops/image/quay.io/acme/cron: Update quay.io/acme/cron to 2.1.0",
		"gitops/image/quay.io/acme/worker: Update quay.io/acme/worker to 1.2.0",
	}
	if got := f.open(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after two replicas:\n%v\nwant\n%v", got, want)
	}
	// One registry failing: that image's pull request stays as it was (its body says
	// why), the others are still bumped.
	f.setTags("ghcr.io/acme/web", "1.0.0", "1.1.0", "1.2.0")
	f.mu.Lock()
	delete(f.tags, "quay.io/acme/cron")
	f.mu.Unlock()
	res = f.bump(f.bumper(), nil)
	if len(res.Problems) != 1 || res.Problems[0].File != "apps/cron.yaml" || res.Problems[0].Object != "Deployment.apps shop/cron" {
		t.Fatalf("registry down: %+v", res.Problems)
	}
	for _, br := range res.Branches {
		want := map[string]string{"gitops/image/ghcr": "updated", "gitops/image/quay.io/acme/cron": "problems", "gitops/image/quay.io/acme/worker": "unchanged"}[br.Branch]
		if br.Action != want {
			t.Fatalf("%s: %s, want %s", br.Branch, br.Action, want)
		}
	}
	f.setTags("quay.io/acme/cron", "2.0.0", "2.1.0")
	if imgs, err := f.bumper().Images(context.Background(), fixtureRepo); err != nil || len(imgs) != 4 {
		t.Fatalf("Images: %v %v", imgs, err)
	}

	// The registry is back: the problems leave the body; then a run finds everything
	// in place and writes nothing.
	f.bump(f.bumper(), nil)
	for _, pr := range f.gh.PullRequests("acme/fleet") {
		if strings.Contains(pr.Body, "### Problems") {
			t.Fatalf("#%d still lists problems", pr.Number)
		}
	}
	before := len(f.gh.Calls())
	f.bump(f.bumper(), nil)
	for _, c := range f.gh.Calls()[before:] {
		if c.Method != "GET" && !strings.Contains(c.Path, "access_tokens") {
			t.Fatalf("a run after the race wrote %s %s", c.Method, c.Path)
		}
	}
}

// TestBumpBody: the body links each change, names the policy and its minimum release
// age, and stays the same when only the default branch moves.
// TestBumpDeclined: a bump pull request a person closed without merging is not opened
// again for the same tags; a newer tag is proposed again.
func TestBumpDeclined(t *testing.T) {
	f := newBumpFixture(t, map[string]string{"apps/web.yaml": workload("web", "ghcr.io/acme/web:1.0.0")})
	f.setTags("ghcr.io/acme/web", "1.0.0", "1.1.0")
	res := f.bump(f.bumper(), nil)
	if len(res.Opened) != 1 {
		t.Fatalf("first run: %+v", res)
	}
	gh := f.app.Installation(fixtureRepo.Installation)
	if _, _, err := gh.PullRequests.Edit(context.Background(), "acme", "fleet", res.Opened[0], &github.PullRequest{State: &[]string{"closed"}[0]}); err != nil {
		t.Fatal(err)
	}

	before := len(f.gh.Calls())
	res = f.bump(f.bumper(), nil)
	if len(res.Opened)+len(res.Updated) != 0 || len(res.Branches) != 1 || res.Branches[0].Action != actionDeclined {
		t.Fatalf("after a person closed the pull request: %+v", res)
	}
	for _, c := range f.gh.Calls()[before:] {
		if c.Method != "GET" && !strings.HasSuffix(c.Path, "/access_tokens") {
			t.Errorf("a declined bump wrote %s %s", c.Method, c.Path)
		}
	}

	f.setTags("ghcr.io/acme/web", "1.0.0", "1.1.0", "1.2.0")
	res = f.bump(f.bumper(), nil)
	if want := []string{"gitops/image/ghcr.io/acme/web: Update ghcr.io/acme/web to 1.2.0"}; len(res.Opened) != 1 || fmt.Sprint(f.open()) != fmt.Sprint(want) {
		t.Fatalf("a newer tag: %+v, open %v", res, f.open())
	}
}

func TestBumpBody(t *testing.T) {
	f := newBumpFixture(t, map[string]string{
		".gitops.yaml": "images:\n  policies:\n    - name: web\n      image: ghcr.io/acme/web\n      semver: '>=1.0.0'\n      minAge: 1h\n",
		"apps/web.yaml": strings.Replace(workload("web", "ghcr.io/acme/web:1.0.0"), "image: ghcr.io/acme/web:1.0.0",
			`image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "web"}`, 1),
	})
	f.setTags("ghcr.io/acme/web", "1.0.0", "1.1.0")
	b := f.bumper()
	b.Created = images.CreatedLookupFunc(func(context.Context, name.Repository, string) (time.Time, error) {
		return time.Now().Add(-2 * time.Hour), nil
	})
	f.bump(b, nil)
	prs := f.gh.PullRequests("acme/fleet")
	if len(prs) != 1 {
		t.Fatalf("%+v", prs)
	}
	body := prs[0].Body
	for _, want := range []string{
		"| `ghcr.io/acme/web` | `1.0.0` | `1.1.0` | [`apps/web.yaml:13`](https://github.com/acme/fleet/blob/gitops/image/ghcr.io/acme/web/apps/web.yaml#L13) Deployment.apps shop/web, container web | `web`, minimum release age 1h0m0s honoured |",
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("body lacks %q:\n%s", want, body)
		}
	}
	// As GitHub renders it, with and without problems: the structure holds, and every
	// file is linked at its line on the bump's branch.
	withP := withProblems(body, []images.Problem{{File: "apps/api.yaml", Line: 20, Object: "Deployment.apps shop/api", Image: "ghcr.io/acme/api",
		Message: "list tags: 401 Unauthorized | <b>denied</b>"}})
	for what, md := range map[string]string{"body": body, "body with problems": withP} {
		o, problems := mdcheck.Structure(md, regexp.MustCompile(`^ kubectl-gitops:image-bump(-problems)? $`))
		for _, p := range problems {
			t.Errorf("%s: %s", what, p)
		}
		for _, l := range o.Links {
			if !regexp.MustCompile(`^https://github\.com/acme/fleet/blob/gitops/image/ghcr\.io/acme/web/apps/[a-z]+\.yaml#L\d+$`).MatchString(l) {
				t.Errorf("%s: link %s", what, l)
			}
		}
		if len(o.Links) != 1 {
			t.Errorf("%s: links %q", what, o.Links)
		}
	}
	// And as a person sees it: Chromium shows the table, and no <details> as text
	// (a screenshot is kept under test-output/TestBumpBody/).
	o, _ := mdcheck.Structure(withP)
	page := filepath.Join(t.TempDir(), "bump.html")
	if err := os.WriteFile(page, []byte(mdcheck.GitHubPage("Image bump", o.HTML)), 0o644); err != nil {
		t.Fatal(err)
	}
	pg := browsertest.Load(t, "file://"+page, browsertest.Desktop, browsertest.WithScreenshot("bump-body.png"))
	if text := pg.Text(); !strings.Contains(text, "ghcr.io/acme/web") || !strings.Contains(text, "1.1.0") || strings.Contains(text, "<details>") {
		t.Errorf("the bump body does not read as it should: %.400s", text)
	}
	if len(pg.ElementsByTag("table")) == 0 {
		t.Error("the bump body shows no table")
	}
}

// TestBumpHostileDefaultBranch: a default branch whose .gitops.yaml or manifest is a
// link to /dev/zero or /dev/urandom (git stores links) is an error naming the file, or a
// file left unread, never a bumper that reads without end.
func TestBumpHostileDefaultBranch(t *testing.T) {
	for _, tc := range []struct{ file, target, want string }{
		{".gitops.yaml", "/dev/zero", "read .gitops.yaml: it leads outside the repository"},
		{"apps/zero.yaml", "/dev/urandom", ""}, // not read: the other image is still bumped
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := newBumpFixture(t, map[string]string{"apps/web.yaml": workload("web", "ghcr.io/acme/web:1.0.0")})
			f.setTags("ghcr.io/acme/web", "1.0.0", "1.1.0")
			if err := os.Symlink(tc.target, filepath.Join(f.repo.Dir, tc.file)); err != nil {
				t.Fatal(err)
			}
			f.commit(nil, "hostile link")
			res, err := f.bumper().Bump(context.Background(), fixtureRepo, nil, f)
			if tc.want == "" {
				if err != nil || len(res.Opened) != 1 {
					t.Fatalf("bump: %+v, %v; want the other image's pull request", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("bump: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
