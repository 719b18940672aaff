package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// bumpEnv is the bot (its Planner behind a real webhook server) with the spec-checked
// fake GitHub delivering its webhooks, a real git remote, an in-process registry, and
// a GitHubBumper called directly (the triggers are tested on their own).
type bumpEnv struct {
	*botEnv
	t        *testing.T
	ns       string
	r        *gitrepotest.Repo
	bare     string
	cloneURL string
	registry *imagestest.Server
	image    string // host/shop/web
	web      string // the manifest, as first committed
	bumper   *bot.GitHubBumper
	lister   images.TagLister
}

var bumpRepo = bot.RepoRef{Installation: 1, Owner: "acme", Name: "fleet"}

func bumpWeb(ns, image, tag string) string {
	return fmt.Sprintf(`# the shop's front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %s
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.web: semver:~1    # minor and patch releases
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "%s:%s"   # quoted on purpose
`, ns, image, tag)
}

func newBumpEnv(t *testing.T, name string) *bumpEnv {
	t.Helper()
	b := &bumpEnv{t: t, ns: unique(name), registry: imagestest.NewRegistry()}
	t.Cleanup(b.registry.Close)
	ensureNamespace(t, b.ns)
	b.image = b.registry.Host() + "/shop/web"
	b.push("1.0.0")
	b.web = bumpWeb(b.ns, b.image, "1.0.0")
	b.r, b.cloneURL, b.bare = remoteRepo(t, map[string]string{
		".gitops.yaml": fmt.Sprintf(`targets:
  - name: dev
    path: deploy
    cluster: test
    applyset: %s
    defaultNamespace: %s
imagePullRequests:
  labels: [dependencies]
  reviewers: [alice]
  ciSkip: true
`, b.ns, b.ns),
		"deploy/web.yaml": b.web,
		"README.md":       "The shop.\n",
	})
	// What main says is running.
	mustGitops(t, 0, "apply", b.r.Dir, "--path", "deploy", "--applyset", b.ns, "--progress", "none")
	b.botEnv = newBotEnv(t)
	b.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: b.bare, CloneURL: b.cloneURL,
		Permissions: map[string]string{"alice": "write"}})
	b.gh.DeliverWebhooks(b.bot.URL+"/webhook", []byte(botSecret))
	b.bumper = &bot.GitHubBumper{App: b.planner.App, Log: slog.New(slog.DiscardHandler), Metrics: bot.NewBumpMetrics(prometheus.NewRegistry())}
	b.lister = botRegistry(t, b.registry.Host())
	return b
}

// botRegistry reaches registries as the bot does, with host (a loopback registry)
// allowed as the operator allows it: --registry-private-host and
// --registry-insecure-host.
func botRegistry(t *testing.T, host string) *images.Registry {
	t.Helper()
	guard, err := images.NewAddressGuard([]string{host})
	if err != nil {
		t.Fatal(err)
	}
	return images.NewRegistry(images.WithAddressGuard(guard), images.WithInsecureHosts(host), images.WithPlainHTTPOnlyForInsecureHosts())
}

func (b *bumpEnv) push(tags ...string) {
	b.t.Helper()
	img, err := imagestest.Image(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := imagestest.PushTags(context.Background(), b.registry.Host(), "shop/web", img, tags...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *bumpEnv) bump(bumper *bot.GitHubBumper) *bot.BumpResult {
	b.t.Helper()
	res, err := bumper.Bump(context.Background(), bumpRepo, nil, b.lister)
	if err != nil {
		b.t.Fatalf("bump: %v", err)
	}
	return res
}

// mustBare runs git in the remote's bare repository.
func (b *bumpEnv) mustBare(args ...string) string {
	b.t.Helper()
	return gitrepotest.Git(b.t, b.bare, args...)
}

// requireOneCommitBump checks that branch is one commit on top of main that changes
// only the tag of deploy/web.yaml (from → to), byte for byte, made by the App with
// [ci skip], and returns its sha.
func (b *bumpEnv) requireOneCommitBump(branch, from, to string) string {
	b.t.Helper()
	if n := b.mustBare("rev-list", "--count", "main.."+branch); n != "1" {
		b.t.Fatalf("%s is %s commits ahead of main, want 1", branch, n)
	}
	if base := b.mustBare("rev-parse", branch+"^"); base != b.mustBare("rev-parse", "main") {
		b.t.Fatalf("%s is not on top of main", branch)
	}
	if files := b.mustBare("diff", "--name-only", "main", branch); files != "deploy/web.yaml" {
		b.t.Fatalf("%s changes %q, want deploy/web.yaml only", branch, files)
	}
	main := b.mustBare("show", "main:deploy/web.yaml")
	want := strings.Replace(main, `"`+b.image+":"+from+`"`, `"`+b.image+":"+to+`"`, 1)
	if got := b.mustBare("show", branch+":deploy/web.yaml"); want == main || got != want {
		b.t.Fatalf("%s:deploy/web.yaml is not main's with the tag %s:\n%s\nwant:\n%s", branch, to, got, want)
	}
	if who := b.mustBare("log", "-1", "--format=%an <%ae> / %cn <%ce>", branch); who != "kubectl-gitops[bot] <kubectl-gitops[bot]@users.noreply.github.com> / kubectl-gitops[bot] <kubectl-gitops[bot]@users.noreply.github.com>" {
		b.t.Fatalf("commit by %s", who)
	}
	if msg := b.mustBare("log", "-1", "--format=%B", branch); !strings.HasPrefix(msg, "Update "+b.image+" to "+to) || !strings.Contains(msg, "[ci skip]") {
		b.t.Fatalf("commit message %q", msg)
	}
	return b.mustBare("rev-parse", branch)
}

// planComment waits for the plan of pull request n at head and returns its comment.
func (b *bumpEnv) planComment(n int, head string) string {
	b.t.Helper()
	b.gh.Refresh() // GitHub notices a pushed branch without being asked; the fake at its next request, or now
	if st := b.waitStatus(head); st.State != "success" {
		b.t.Fatalf("plan status of %s: %+v", head, st)
	}
	c := b.botComments(n)
	for _, x := range c {
		if strings.Contains(x.Body, "head="+head) {
			return x.Body
		}
	}
	b.t.Fatalf("no plan comment for %s on #%d: %+v", head, n, c)
	return ""
}

func TestBumpPullRequests(t *testing.T) {
	b := newBumpEnv(t, "bump")
	branch := "gitops/image/" + strings.ReplaceAll(b.image, ":", "-")

	// A new tag: exactly one pull request, one commit changing only the tag, and the
	// plan comment (delivered through the pull_request webhook) shows the image change.
	b.push("1.1.0", "2.0.0") // 2.0.0 is outside the policy
	before := len(b.gh.Calls())
	res := b.bump(b.bumper)
	if len(res.Opened) != 1 || len(res.Updated)+len(res.Closed) != 0 || len(res.Problems) != 0 {
		t.Fatalf("first bump: %+v", res)
	}
	if fmt.Sprint(res.Images) != "["+b.image+"]" {
		t.Fatalf("images %v", res.Images)
	}
	head := b.requireOneCommitBump(branch, "1.0.0", "1.1.0")
	prs := b.gh.PullRequests("acme/fleet")
	if len(prs) != 1 || prs[0].Number != res.Opened[0] || prs[0].HeadRef != branch || prs[0].BaseRef != "main" || prs[0].State != "open" {
		t.Fatalf("pull requests %+v", prs)
	}
	pr := prs[0]
	if pr.Title != "Update "+b.image+" to 1.1.0" || fmt.Sprint(pr.Labels) != "[dependencies]" || fmt.Sprint(pr.Reviewers) != "[alice]" {
		t.Fatalf("pull request %+v", pr)
	}
	requireContainsAll(t, pr.Body, "| `"+b.image+"` | `1.0.0` | `1.1.0` |",
		"[`deploy/web.yaml:20`](https://github.com/acme/fleet/blob/"+branch+"/deploy/web.yaml#L20) Deployment.apps "+b.ns+"/web, container web",
		"`semver:~1`")
	comment := b.planComment(pr.Number, head)
	requireContainsAll(t, comment, "`Deployment.apps "+b.ns+"/web`", "image `"+b.image+":1.0.0` → `"+b.image+":1.1.0`")
	requireWrites(t, b.gh.Calls()[before:], map[string]int{
		"POST /app/installations/1/access_tokens":            1,
		"POST /repos/acme/fleet/check-runs":                  1,
		"POST /repos/acme/fleet/pulls":                       1,
		"POST /repos/acme/fleet/issues/1/labels":             1,
		"POST /repos/acme/fleet/pulls/1/requested_reviewers": 1,
		"POST /repos/acme/fleet/issues/1/comments":           1,
		"POST /repos/acme/fleet/statuses/" + head:            2,
	})

	// A replay, or a second replica: no write at all, the branch stays.
	before = len(b.gh.Calls())
	second := &bot.GitHubBumper{App: b.planner.App, Log: slog.New(slog.DiscardHandler)}
	for _, bumper := range []*bot.GitHubBumper{b.bumper, second} {
		if res := b.bump(bumper); len(res.Opened)+len(res.Updated)+len(res.Closed) != 0 || res.Branches[0].Action != "unchanged" {
			t.Fatalf("replay: %+v", res)
		}
	}
	requireWrites(t, b.gh.Calls()[before:], map[string]int{})
	if b.mustBare("rev-parse", branch) != head {
		t.Fatal("a replay pushed the branch")
	}

	// Another tag: the same pull request, its branch made again (one commit), its body
	// edited, and a new plan for the new head (GitHub's synchronize webhook).
	b.push("1.2.0")
	res = b.bump(b.bumper)
	if fmt.Sprint(res.Updated) != fmt.Sprint([]int{pr.Number}) || len(res.Opened) != 0 {
		t.Fatalf("newer tag: %+v", res)
	}
	head2 := b.requireOneCommitBump(branch, "1.0.0", "1.2.0")
	if prs := b.gh.PullRequests("acme/fleet"); len(prs) != 1 || !strings.Contains(prs[0].Body, "| `1.0.0` | `1.2.0` |") || prs[0].Title != "Update "+b.image+" to 1.2.0" {
		t.Fatalf("after a newer tag: %+v", prs)
	}
	requireContainsAll(t, b.planComment(pr.Number, head2), "`"+b.image+":1.2.0`")

	// The default branch moves: the branch is made again on top of it.
	b.r.Git(t, "pull", "-q", "--rebase", "origin", "main")
	b.r.Write(t, map[string]string{"README.md": "The shop, now with docs.\n"})
	b.r.Commit(t, "docs", nil)
	b.r.Git(t, "push", "-q", "origin", "main")
	before = len(b.gh.Calls())
	res = b.bump(b.bumper)
	if len(res.Branches) != 1 || !res.Branches[0].Pushed || len(res.Opened) != 0 {
		t.Fatalf("rebase: %+v", res)
	}
	head3 := b.requireOneCommitBump(branch, "1.0.0", "1.2.0")
	b.planComment(pr.Number, head3)
	// The body is the same: only git moved, and the bot's plan of the new head wrote.
	requireWrites(t, b.gh.Calls()[before:], map[string]int{
		"POST /repos/acme/fleet/check-runs":                                                       1,
		"POST /repos/acme/fleet/statuses/" + head3:                                                2,
		fmt.Sprintf("PATCH /repos/acme/fleet/issues/comments/%d", b.botComments(pr.Number)[0].ID): 1,
	})

	// --git-readonly: a newer tag is computed and reported, nothing is written.
	b.push("1.3.0")
	before = len(b.gh.Calls())
	ro := &bot.GitHubBumper{App: b.planner.App, ReadOnly: true, Log: slog.New(slog.DiscardHandler)}
	res = b.bump(ro)
	if !res.ReadOnly || len(res.Branches) != 1 || res.Branches[0].Action != "would-update" || !res.Branches[0].Pushed ||
		len(res.Branches[0].Updates) != 1 || res.Branches[0].Updates[0].ToTag != "1.3.0" {
		t.Fatalf("read-only: %+v", res)
	}
	if b.mustBare("rev-parse", branch) != head3 {
		t.Fatal("--git-readonly pushed")
	}
	for _, c := range b.gh.Calls()[before:] {
		if c.Method != http.MethodGet {
			t.Fatalf("--git-readonly wrote %s %s", c.Method, c.Path)
		}
	}

	// One image's registry failing: reported with the workload and file, the pull
	// request left as it was, its body listing the problem.
	b.registry.Close()
	res, err := b.bumper.Bump(context.Background(), bumpRepo, nil, b.lister)
	if err != nil || len(res.Problems) != 1 || res.Problems[0].File != "deploy/web.yaml" || res.Problems[0].Object != "Deployment.apps "+b.ns+"/web" {
		t.Fatalf("registry down: %v %+v", err, res)
	}
	if b.mustBare("rev-parse", branch) != head3 {
		t.Fatal("a registry failure moved the branch")
	}
	if prs := b.gh.PullRequests("acme/fleet"); prs[0].State != "open" || !strings.Contains(prs[0].Body, "### Problems") || !strings.Contains(prs[0].Body, "`deploy/web.yaml:20` Deployment.apps "+b.ns+"/web") {
		t.Fatalf("problems in the body: %+v", prs[0])
	}

	// The default branch gets the tag by hand: the pull request is closed with a
	// comment and its branch deleted.
	b.lister = images.TagListerFunc(func(context.Context, name.Repository) ([]string, error) { // the registry's tags, as a scan shares them
		return []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"}, nil
	})
	b.r.Write(t, map[string]string{"deploy/web.yaml": bumpWeb(b.ns, b.image, "1.3.0")})
	b.r.Commit(t, "1.3.0 by hand", nil)
	b.r.Git(t, "push", "-q", "origin", "main")
	res = b.bump(b.bumper)
	if fmt.Sprint(res.Closed) != fmt.Sprint([]int{pr.Number}) {
		t.Fatalf("main has the tag: %+v", res)
	}
	if prs := b.gh.PullRequests("acme/fleet"); prs[0].State != "closed" || prs[0].Merged {
		t.Fatalf("after main got the tag: %+v", prs[0])
	}
	if c := b.gh.Comments("acme/fleet", pr.Number); !strings.Contains(c[len(c)-1].Body, "already has `"+b.image+":1.3.0`") {
		t.Fatalf("closing comment: %+v", c[len(c)-1])
	}
	if err := gitrepotest.Command(b.bare, "rev-parse", "--verify", "-q", branch).Run(); err == nil {
		t.Fatal("the branch of the closed pull request is still there")
	}
	b.noSecretsSent()
}

// TestBumpWholeLoop closes the loop the product exists for: a tag pushed → a bump
// pull request → its plan comment → merged (the remote's main fast-forwarded) →
// `kubectl gitops apply` of main → the cluster runs the new tag and gitops/apply is
// success; the merged branch is then deleted.
func TestBumpWholeLoop(t *testing.T) {
	b := newBumpEnv(t, "bumploop")
	ctx := context.Background()
	branch := "gitops/image/" + strings.ReplaceAll(b.image, ":", "-")

	b.push("1.0.1")
	res := b.bump(b.bumper)
	if len(res.Opened) != 1 {
		t.Fatalf("bump: %+v", res)
	}
	head := b.requireOneCommitBump(branch, "1.0.0", "1.0.1")
	requireContainsAll(t, b.planComment(res.Opened[0], head), "image `"+b.image+":1.0.0` → `"+b.image+":1.0.1`")

	if err := b.gh.Merge("acme/fleet", res.Opened[0]); err != nil {
		t.Fatal(err)
	}
	main := b.mustBare("rev-parse", "main")
	if main != head {
		t.Fatalf("main is %s after the merge, want the bump commit %s", main, head)
	}
	token, err := b.planner.App.Token(ctx, bumpRepo.Installation)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", token)
	t.Setenv("GITHUB_REPOSITORY", "acme/fleet")
	mustGitops(t, 0, "apply", b.cloneURL, "--ref", "main", "--path", "deploy", "--applyset", b.ns, "--progress", "none",
		"--github-status", "--github-api-url", b.gh.URL+"/")
	d, err := kube(t).AppsV1().Deployments(b.ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != b.image+":1.0.1" {
		t.Fatalf("the cluster runs %v (%v), want %s:1.0.1", d.Spec.Template.Spec.Containers, err, b.image)
	}
	st := b.gh.Statuses("acme/fleet", main)
	if len(st) == 0 || st[len(st)-1].Context != "gitops/apply" || st[len(st)-1].State != "success" {
		t.Fatalf("statuses of %s: %+v", main, st)
	}

	// GitHub sent the status: the merged pull request's comment says it was applied.
	eventually(t, time.Minute, "the merged pull request's comment says it was applied", func() (bool, error) {
		cs := b.gh.Comments("acme/fleet", res.Opened[0])
		return len(cs) == 1 && strings.Contains(cs[0].Body, "**Applied**"), nil
	})

	// The next run finds main up to date: the merged branch goes, nothing else is written.
	before := len(b.gh.Calls())
	res = b.bump(b.bumper)
	if len(res.Opened)+len(res.Updated)+len(res.Closed) != 0 || len(res.Branches) != 1 || res.Branches[0].Action != "closed" {
		t.Fatalf("after the merge: %+v", res)
	}
	requireWrites(t, b.gh.Calls()[before:], map[string]int{"DELETE /repos/acme/fleet/git/refs/heads/" + branch: 1})
	b.noSecretsSent()
}
