package e2e

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/internal/actiontest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// actionEnv runs the repository's action.yml like a GitHub runner would, against the
// test cluster, a spec-checked fake GitHub and a fake release server.
type actionEnv struct {
	t        *testing.T
	action   *actiontest.Action
	root     string // the action's source: this repository
	gh       *githubtest.Server
	releases map[string][]byte // path under the release server → content
	// redirects maps a path under the release server to where it redirects.
	redirects map[string]string
	// release serves releases over HTTPS, with its own CA (caFile, given to curl).
	release *httptest.Server
	caFile  string
	// releaseURL is GITOPS_RELEASE_URL: release.URL unless a test sets it.
	releaseURL string
	// traceExec records every command line the action runs (actiontest.Run.TraceExec).
	traceExec bool
}

func newActionEnv(t *testing.T) *actionEnv {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	a, err := actiontest.Load(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	e := &actionEnv{t: t, action: a, root: root, gh: githubtest.NewChecked(t), releases: map[string][]byte{}, redirects: map[string]string{}}
	e.gh.Author = "github-actions[bot]" // GITHUB_TOKEN's comments
	e.release = httptest.NewTLSServer(e.releaseHandler())
	t.Cleanup(e.release.Close)
	e.releaseURL = e.release.URL
	e.caFile = filepath.Join(t.TempDir(), "release-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.release.Certificate().Raw})
	if err := os.WriteFile(e.caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// releaseHandler serves e.releases and e.redirects.
func (e *actionEnv) releaseHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		if to, ok := e.redirects[path]; ok {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		b, ok := e.releases[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	})
}

// publish serves binary as release ref's archive, named as goreleaser names it for
// krew, with a checksums.txt; corrupt makes the archive differ from its checksum.
func (e *actionEnv) publish(ref string, binary []byte, corrupt bool) {
	e.t.Helper()
	version := strings.TrimPrefix(ref, "v")
	name := fmt.Sprintf("kubectl-gitops_%s_linux_%s.tar.gz", version, runtime.GOARCH)
	var buf strings.Builder
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		body []byte
		mode int64
	}{{"LICENSE", []byte("license\n"), 0o644}, {"kubectl-gitops", binary, 0o755}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body))}); err != nil {
			e.t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		e.t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		e.t.Fatal(err)
	}
	archive := []byte(buf.String())
	sum := sha256.Sum256(archive)
	if corrupt {
		archive = append(archive, 0)
	}
	e.releases[ref+"/"+name] = archive
	e.releases[ref+"/checksums.txt"] = []byte(fmt.Sprintf("%s  kubectl-gitops_%s_darwin_arm64.tar.gz\n%s  %s\n",
		strings.Repeat("0", 64), version, hex.EncodeToString(sum[:]), name))
}

// run runs the action with inputs for event (its name and payload) in workspace dir,
// the action checked out at ref.
func (e *actionEnv) run(dir, temp, ref, eventName string, event any, sha string, inputs map[string]string) *actiontest.Result {
	e.t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		e.t.Fatal(err)
	}
	eventPath := filepath.Join(temp, "event.json")
	if err := os.WriteFile(eventPath, payload, 0o644); err != nil {
		e.t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "GITOPS_") || k == "KUBECONFIG" {
			continue
		}
		env = append(env, kv)
	}
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	env = append(env,
		"CI=true", "GITHUB_ACTIONS=true",
		"GITHUB_REPOSITORY=acme/fleet", "GITHUB_API_URL="+e.gh.URL, "GITHUB_SERVER_URL=https://github.example",
		"GITHUB_RUN_ID=42", "GITHUB_EVENT_NAME="+eventName, "GITHUB_EVENT_PATH="+eventPath, "GITHUB_SHA="+sha,
		"GITHUB_WORKSPACE="+dir, "GITHUB_ACTION_PATH="+e.root,
		"RUNNER_OS=Linux", "RUNNER_ARCH="+arch,
		"KUBECONFIG="+filepath.Join(temp, "no-kubeconfig-here"),
		"GITOPS_RELEASE_URL="+e.releaseURL, "CURL_CA_BUNDLE="+e.caFile)
	res, err := e.action.Execute(context.Background(), actiontest.Run{
		Inputs: inputs,
		GitHub: map[string]string{"action_path": e.root, "action_ref": ref, "action_repository": "kubectl-gitops/kubectl-gitops",
			"event_name": eventName, "sha": sha, "repository": "acme/fleet", "token": "ghs_default_token_not_used"},
		Env: env, Dir: dir, Temp: temp, TraceExec: e.traceExec,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// requireNoLeak fails when a secret appears in anything the action produced.
func requireNoLeak(t *testing.T, res *actiontest.Result, comments []githubtest.Comment, calls []githubtest.Call, secrets ...string) {
	t.Helper()
	texts := map[string]string{"log": res.Log, "log before masking": res.Raw}
	for i, s := range res.Summaries {
		texts[fmt.Sprintf("summary of step %d", i+1)] = s
	}
	for k, v := range res.Outputs {
		texts["output "+k] = v
	}
	for _, c := range comments {
		texts[fmt.Sprintf("comment %d", c.ID)] = c.Body
	}
	for _, c := range calls {
		texts[c.Method+" "+c.Path] = c.Body + c.Query.Encode()
	}
	for _, f := range []string{res.Outputs["plan-markdown"], res.Outputs["plan-json"]} {
		if f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts[f] = string(b)
		}
	}
	for what, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows a secret (%.6s…)", what, s)
			}
		}
	}
}

// requireKubeconfigGone fails when the action left its kubeconfig file behind.
func requireKubeconfigGone(t *testing.T, temp string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(temp, "kubectl-gitops-kubeconfig.*"))
	if err != nil || len(left) > 0 {
		t.Fatalf("the kubeconfig's directory is still there: %v %v", left, err)
	}
}

func TestActionPlansPullRequestsAndAppliesPushes(t *testing.T) {
	ns := unique("action")
	ensureNamespace(t, ns)
	const secretValue = "action-s3cr3t-password-value"
	r := gitrepotest.NewRepo(t, map[string]string{
		"deploy/cm.yaml":   configMapWith("settings", ns, "color", "blue", nil),
		"deploy/other.txt": "not a manifest\n",
	})
	mainSHA := r.Head(t)
	// What main says is running.
	mustGitops(t, 0, "apply", r.Dir, "--path", "deploy/cm.yaml", "--applyset", ns, "--default-namespace", ns, "--progress", "none")
	r.Git(t, "checkout", "-q", "-b", "feature")
	r.Write(t, map[string]string{
		"deploy/cm.yaml":     configMapWith("settings", ns, "color", "green", nil),
		"deploy/secret.yaml": botSecretYAML(ns, secretValue),
	})
	head := r.Commit(t, "green, and a password", nil)
	// What a pull_request workflow checks out: GitHub's merge of head into main.
	r.Git(t, "checkout", "-q", "--detach", mainSHA)
	r.Git(t, "merge", "-q", "--no-ff", "-m", "Merge head into main", head)
	merge := r.Head(t)

	kc, err := os.ReadFile(cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	clusterToken := cluster.Config.BearerToken
	if clusterToken == "" || !strings.Contains(string(kc), clusterToken) {
		t.Fatal("the test cluster's kubeconfig has no token")
	}
	const githubToken = "ghp_actionTestToken0123456789"
	e := newActionEnv(t)
	temp := t.TempDir()
	inputs := map[string]string{
		"command": "plan", "path": "deploy/cm.yaml\ndeploy/secret.yaml\n", "applyset": ns, "default-namespace": ns,
		"kubeconfig": string(kc), "github-token": githubToken,
	}
	prEvent := map[string]any{"action": "synchronize", "number": 7,
		"pull_request": map[string]any{"number": 7, "head": map[string]any{"sha": head}, "base": map[string]any{"sha": mainSHA}}}

	// A branch of the action: no release, so the install step builds the action's source.
	res := e.run(r.Dir, temp, "main", "pull_request", prEvent, merge, inputs)
	if res.Err != nil {
		t.Fatalf("plan: %v\nlog:\n%s", res.Err, res.Log)
	}
	requireContainsAll(t, res.Log, "building kubectl-gitops from the action's source", "settings",
		// the changes annotated at their file:line on the Files tab
		"::notice file=deploy/cm.yaml,line=1,title=kubectl gitops plan%3A to update::ConfigMap "+ns+"/settings to update")
	comments := e.gh.Comments("acme/fleet", 7)
	if len(comments) != 1 || comments[0].Author != "github-actions[bot]" {
		t.Fatalf("want one comment by github-actions[bot], got %+v", comments)
	}
	requireContainsAll(t, comments[0].Body, "kubectl gitops plan for `"+head[:7]+"`", "settings", "to create", "to update",
		"https://github.example/acme/fleet/blob/"+head+"/deploy/cm.yaml", "[this workflow run](https://github.example/acme/fleet/actions/runs/42)")
	statuses := e.gh.Statuses("acme/fleet", head)
	if len(statuses) != 2 || statuses[0].State != "pending" || statuses[1].State != "success" || statuses[1].Context != "gitops/plan" ||
		statuses[1].Description != "1 to create, 1 to update, 0 unchanged" {
		t.Fatalf("statuses of the head: %+v", statuses)
	}
	if s := e.gh.Statuses("acme/fleet", merge); len(s) != 0 {
		t.Fatalf("statuses on the merge commit the pull request never shows: %+v", s)
	}
	requireWrites(t, e.gh.Calls(), map[string]int{
		"POST /repos/acme/fleet/issues/7/comments": 1,
		"POST /repos/acme/fleet/statuses/" + head:  2,
	})
	want := map[string]string{"create": "1", "update": "1", "delete": "0", "failed": "0", "problems": "0", "changed": "true"}
	for k, v := range want {
		if res.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q (outputs %v)", k, res.Outputs[k], v, res.Outputs)
		}
	}
	md, err := os.ReadFile(res.Outputs["plan-markdown"])
	if err != nil {
		t.Fatal(err)
	}
	requireContainsAll(t, string(md), "settings", "db")
	var pj struct {
		Changes []json.RawMessage `json:"changes"`
	}
	if b, err := os.ReadFile(res.Outputs["plan-json"]); err != nil || json.Unmarshal(b, &pj) != nil || len(pj.Changes) != 2 {
		t.Fatalf("plan-json %s: %v, %d changes", res.Outputs["plan-json"], err, len(pj.Changes))
	}
	if len(res.Summaries) != 2 || len(res.Summaries[1]) > 1<<20 {
		t.Fatalf("summaries: %d", len(res.Summaries))
	}
	requireContainsAll(t, res.Summaries[1], "kubectl gitops plan", "settings")
	masked := strings.Join(res.Masks, "\n")
	if !strings.Contains(masked, clusterToken) {
		t.Errorf("the kubeconfig's token was not masked (masks: %d)", len(res.Masks))
	}
	requireNoLeak(t, res, e.gh.Comments("acme/fleet", 7), e.gh.Calls(), secretValue, clusterToken, githubToken)
	requireKubeconfigGone(t, temp)

	// Another run edits the same comment.
	res = e.run(r.Dir, temp, "main", "pull_request", prEvent, merge, inputs)
	if res.Err != nil {
		t.Fatalf("plan again: %v\nlog:\n%s", res.Err, res.Log)
	}
	if c := e.gh.Comments("acme/fleet", 7); len(c) != 1 || c[0].ID != comments[0].ID {
		t.Fatalf("a second plan must edit the one comment: %+v", c)
	}

	// A cluster that cannot be reached fails the step; the kubeconfig is removed all the same.
	unreachable := map[string]string{}
	for k, v := range inputs {
		unreachable[k] = v
	}
	unreachable["kubeconfig"] = strings.Replace(string(kc), cluster.Config.Host, closedLoopbackURL(t), 1)
	unreachable["comment"] = "false"
	res = e.run(r.Dir, temp, "main", "pull_request", prEvent, merge, unreachable)
	if res.Err == nil || !strings.Contains(res.Log, "cannot reach the cluster") {
		t.Fatalf("plan against an unreachable cluster: %v\nlog:\n%s", res.Err, res.Log)
	}
	requireKubeconfigGone(t, temp)
	requireNoLeak(t, res, nil, e.gh.Calls(), secretValue, clusterToken, githubToken)

	// An offline plan (a fork's pull request: no kubeconfig), named as in a matrix: its
	// own comment and status context.
	offline := map[string]string{"command": "plan", "path": "deploy", "base": mainSHA,
		"name": "offline", "github-token": githubToken}
	res = e.run(r.Dir, temp, "main", "pull_request", prEvent, merge, offline)
	if res.Err != nil {
		t.Fatalf("offline plan: %v\nlog:\n%s", res.Err, res.Log)
	}
	comments = e.gh.Comments("acme/fleet", 7)
	if len(comments) != 2 {
		t.Fatalf("want the named plan's own comment beside the first: %d comments", len(comments))
	}
	requireContainsAll(t, comments[1].Body, "offline: against "+mainSHA, "settings")
	if st := e.gh.Statuses("acme/fleet", head); st[len(st)-1].Context != "gitops/plan/offline" || st[len(st)-1].State != "success" {
		t.Fatalf("statuses of the head: %+v", st)
	}
	if res.Outputs["changed"] != "true" || res.Outputs["update"] != "1" {
		t.Errorf("offline plan outputs: %v", res.Outputs)
	}
	requireNoLeak(t, res, comments, e.gh.Calls(), secretValue, clusterToken, githubToken)

	// A token that may not comment (a fork's): the step fails, the plan is in the log
	// and the summary, and the status says why.
	e.gh.Inject(githubtest.Fault{Method: http.MethodPost, Path: regexp.MustCompile(`/issues/7/comments$`), Times: 1,
		Status: http.StatusForbidden, Message: "Resource not accessible by integration"})
	denied := map[string]string{}
	for k, v := range offline {
		denied[k] = v
	}
	denied["name"] = "denied"
	res = e.run(r.Dir, temp, "main", "pull_request", prEvent, merge, denied)
	if res.Err == nil || !strings.Contains(res.Log, "pull_requests: write") {
		t.Fatalf("a comment refused: %v\nlog:\n%s", res.Err, res.Log)
	}
	requireContainsAll(t, res.Log, "settings", "color")
	requireContainsAll(t, res.Summaries[1], "settings")
	if st := e.gh.Statuses("acme/fleet", head); st[len(st)-1].Context != "gitops/plan/denied" || st[len(st)-1].State != "error" {
		t.Fatalf("statuses of the head: %+v", st[len(st)-1])
	}

	// The build from source, published as release v9.9.9; and v9.9.8 whose archive
	// does not match its checksum.
	binary, err := os.ReadFile(filepath.Join(temp, "kubectl-gitops-bin", "main-linux-"+runtime.GOARCH, "kubectl-gitops"))
	if err != nil {
		t.Fatal(err)
	}
	e.publish("v9.9.9", binary, false)
	e.publish("v9.9.8", binary, true)

	// The pull request merges: main moves to the merge, and a push applies it.
	r.Git(t, "checkout", "-q", "-B", "main", merge)
	pushTemp := t.TempDir()
	pushEvent := map[string]any{"ref": "refs/heads/main", "before": mainSHA, "after": merge}
	applyInputs := map[string]string{"command": "apply", "path": "deploy/cm.yaml\ndeploy/secret.yaml", "applyset": ns,
		"default-namespace": ns, "kubeconfig": string(kc), "github-token": githubToken, "allow-namespace": ns + ", kube-system"}
	res = e.run(r.Dir, pushTemp, "v9.9.9", "push", pushEvent, merge, applyInputs)
	if res.Err != nil {
		t.Fatalf("apply: %v\nlog:\n%s", res.Err, res.Log)
	}
	requireContainsAll(t, res.Log, "kubectl-gitops v9.9.9 installed from "+e.release.URL, "verified")
	cm, err := kube(t).CoreV1().ConfigMaps(ns).Get(context.Background(), "settings", metav1.GetOptions{})
	if err != nil || cm.Data["color"] != "green" {
		t.Fatalf("the ConfigMap after apply: %v %v", cm.Data, err)
	}
	requireExists(t, gvrSecret, ns, "db")
	statuses = e.gh.Statuses("acme/fleet", merge)
	if len(statuses) != 2 || statuses[1].Context != "gitops/apply" || statuses[1].State != "success" {
		t.Fatalf("statuses of the pushed commit: %+v", statuses)
	}
	if res.Outputs["changed"] != "true" || res.Outputs["update"] != "1" || res.Outputs["create"] != "1" {
		t.Errorf("apply outputs: %v", res.Outputs)
	}
	requireContainsAll(t, res.Summaries[1], "kubectl gitops apply", "settings")
	if c := e.gh.Comments("acme/fleet", 7); len(c) != 2 {
		t.Fatalf("apply on push must not comment: %d comments", len(c))
	}
	requireNoLeak(t, res, nil, e.gh.Calls(), secretValue, clusterToken, githubToken)
	requireKubeconfigGone(t, pushTemp)

	// A release whose archive does not match its checksum is refused, never built instead.
	badTemp := t.TempDir()
	res = e.run(r.Dir, badTemp, "v9.9.8", "push", pushEvent, merge, applyInputs)
	if res.Err == nil || !strings.Contains(res.Log, "checksum mismatch") || strings.Contains(res.Log, "building") {
		t.Fatalf("a corrupt release: err %v\nlog:\n%s", res.Err, res.Log)
	}
	if _, err := os.Stat(filepath.Join(badTemp, "kubectl-gitops-bin", "v9.9.8-linux-"+runtime.GOARCH, "kubectl-gitops")); err == nil {
		t.Fatal("the corrupt release was installed")
	}
}
