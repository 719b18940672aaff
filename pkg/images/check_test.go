package images

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

func workload(kind, name, annotations string, containers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: %s\n", kind, name)
	if annotations != "" {
		b.WriteString("  annotations:\n")
		for _, a := range strings.Split(annotations, ";") {
			b.WriteString("    " + a + "\n")
		}
	}
	b.WriteString("spec:\n  template:\n    spec:\n      containers:\n")
	for _, c := range containers {
		n, img, _ := strings.Cut(c, "=")
		fmt.Fprintf(&b, "      - name: %s\n        image: %s\n", n, img)
	}
	return b.String()
}

// TestCheckIsolatesFailingRegistries: one registry answering 401 and one that is down
// fail only their own images; the healthy registry's images are updated.
func TestCheckIsolatesFailingRegistries(t *testing.T) {
	good := newTestRegistry(t)
	img := testImage(t, time.Unix(0, 0))
	pushTags(t, good.Host(), "app", img, "1.0.0", "1.1.0", "1.2.0", "2.0.0")
	pushTags(t, good.Host(), "worker", img, "build-9", "build-10")
	unauth := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	down := newCountingServer(t, http.NotFoundHandler())
	downHost := down.Host()
	down.Close()

	auto := `fluxcd.io/automated: "true";fluxcd.io/tag.app: semver:^1`
	files := []File{
		{Path: "web.yaml", Data: []byte(workload("Deployment", "web", auto, "app="+good.Host()+"/app:1.0.0", "worker="+good.Host()+"/worker:build-9"))},
		{Path: "private.yaml", Data: []byte(workload("Deployment", "private", auto, "app="+unauth.Host()+"/app:1.0.0"))},
		{Path: "gone.yaml", Data: []byte(workload("Deployment", "gone", auto, "app="+downHost+"/app:1.0.0"))},
		{Path: "manual.yaml", Data: []byte(workload("Deployment", "manual", "", "app="+good.Host()+"/app:1.0.0"))},
		{Path: "k8s.yaml", Data: []byte(workload("DaemonSet", "proxy", auto, "app=registry.k8s.io/kube-proxy:v1.30.0"))},
	}
	imgs, errs := Scan(files, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := &Checker{Lister: NewCache(quietRegistry(), time.Minute), Logger: discardLogger()}
	results := c.Check(context.Background(), imgs)
	status := map[string]Result{}
	for _, r := range results {
		status[r.File+"/"+r.Container] = r
	}
	expect := func(key string, st Status, latest string) {
		t.Helper()
		r := status[key]
		if r.Status != st || r.Latest != latest {
			t.Errorf("%s: status %s latest %q (error %s), want %s %q", key, r.Status, r.Latest, r.Error, st, latest)
		}
	}
	expect("web.yaml/app", StatusUpdate, "1.2.0")
	expect("web.yaml/worker", StatusUpdate, "build-10")
	expect("private.yaml/app", StatusError, "")
	expect("gone.yaml/app", StatusError, "")
	expect("manual.yaml/app", StatusManual, "")
	expect("k8s.yaml/app", StatusExcluded, "")
	if !strings.Contains(status["private.yaml/app"].Error, "401") {
		t.Errorf("private error: %s", status["private.yaml/app"].Error)
	}

	updates, uerrs := Updates(results)
	if len(uerrs) > 0 || len(updates) != 2 {
		t.Fatalf("updates %+v errs %v", updates, uerrs)
	}
	data := map[string][]byte{}
	for _, f := range files {
		data[f.Path] = f.Data
	}
	out, err := Apply(data, updates)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || !strings.Contains(string(out["web.yaml"]), good.Host()+"/app:1.2.0") || !strings.Contains(string(out["web.yaml"]), "worker:build-10") {
		t.Fatalf("rewritten: %s", out["web.yaml"])
	}
	probs := Problems(errs, results)
	if len(probs) != 2 || probs[0].File != "gone.yaml" || probs[1].File != "private.yaml" || probs[0].Object != "Deployment.apps gone" {
		t.Fatalf("problems %+v", probs)
	}
	if msg := CommitMessage("Update images", updates); !strings.Contains(msg, good.Host()+"/app: 1.0.0 -> 1.2.0 (web.yaml:13: Deployment.apps web container app)") {
		t.Errorf("commit message:\n%s", msg)
	}
}

func TestCheckStatuses(t *testing.T) {
	tags := map[string][]string{
		"example.com/app": {"1.0.0", "1.1.0", "2.0.0"},
	}
	lister := TagListerFunc(func(_ context.Context, repo name.Repository) ([]string, error) {
		return tags[repo.Name()], nil
	})
	src := workload("Deployment", "a", `fluxcd.io/automated: "true";fluxcd.io/tag.up: semver:~1.1;fluxcd.io/tag.none: semver:~3`,
		"up=example.com/app:1.1.0", "none=example.com/app:1.0.0", "ahead=example.com/app:9.0.0",
		"pinned=example.com/app:1.0.0@sha256:"+strings.Repeat("b", 64)) +
		"---\n" + workload("Deployment", "locked", `fluxcd.io/automated: "true";fluxcd.io/locked: "true"`, "app=example.com/app:1.0.0")
	imgs, errs := Scan([]File{{Path: "f.yaml", Data: []byte(src)}}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	results := (&Checker{Lister: lister}).Check(context.Background(), imgs)
	want := map[string]Status{"up": StatusUpToDate, "none": StatusNoTag, "ahead": StatusUpToDate, "pinned": StatusPinned, "app": StatusNewer}
	for _, r := range results {
		if r.Status != want[r.Container] {
			t.Errorf("%s: %s (%s), want %s", r.Container, r.Status, r.Error, want[r.Container])
		}
	}

	disabled := (&Checker{DisableScanning: true}).Check(context.Background(), imgs)
	if disabled[0].Status != StatusSkipped {
		t.Errorf("scanning disabled: %s", disabled[0].Status)
	}
}

type fakeAges map[string]time.Time

func (f fakeAges) Created(_ context.Context, repo name.Repository, tag string) (time.Time, error) {
	t, ok := f[tag]
	if !ok {
		return time.Time{}, fmt.Errorf("no such tag %s", tag)
	}
	return t, nil
}

func TestCheckMinimumAge(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	rules := mustRules(t, `images:
  policies:
    - name: app
      image: example.com/app
      semver: ">=1.0.0"
      minAge: 24h
`)
	lister := TagListerFunc(func(context.Context, name.Repository) ([]string, error) {
		return []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"}, nil
	})
	ages := fakeAges{"1.3.0": now.Add(-time.Hour), "1.2.0": now.Add(-48 * time.Hour)}
	var asked []string
	counting := CreatedLookupFunc(func(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
		asked = append(asked, tag)
		return ages.Created(ctx, repo, tag)
	})
	src := "kind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: example.com/app:1.0.0 # {\"$imagepolicy\": \"app\"}\n  b: example.com/app:1.0.0 # {\"$imagepolicy\": \"app\"}\n"
	imgs, errs := Scan([]File{{Path: "f.yaml", Data: []byte(src)}}, rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	results := (&Checker{Lister: lister, Created: counting, Now: func() time.Time { return now }}).Check(context.Background(), imgs)
	for _, r := range results {
		if r.Status != StatusUpdate || r.Latest != "1.2.0" {
			t.Fatalf("%s: %s %s %s", r.Path, r.Status, r.Latest, r.Error)
		}
	}
	// Only the newest tags are asked, once each for both fields.
	if strings.Join(asked, ",") != "1.3.0,1.2.0" {
		t.Errorf("asked ages of %v", asked)
	}
}

func TestCheckOnlyAutomated(t *testing.T) {
	var asked []string
	lister := TagListerFunc(func(_ context.Context, repo name.Repository) ([]string, error) {
		asked = append(asked, repo.Name())
		return []string{"1.0.0", "1.1.0"}, nil
	})
	src := workload("Deployment", "a", `fluxcd.io/tag.app: semver:^1`, "app=example.com/manual:1.0.0") + "---\n" +
		workload("Deployment", "b", `fluxcd.io/automated: "true";fluxcd.io/locked: "true"`, "app=example.com/locked:1.0.0") + "---\n" +
		workload("Deployment", "c", `fluxcd.io/automated: "true"`, "app=example.com/auto:1.0.0")
	imgs, errs := Scan([]File{{Path: "f.yaml", Data: []byte(src)}}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	res := (&Checker{Lister: lister, OnlyAutomated: true}).Check(context.Background(), imgs)
	if res[0].Status != StatusManual || res[1].Status != StatusLocked || res[2].Status != StatusUpdate {
		t.Fatalf("statuses %s %s %s", res[0].Status, res[1].Status, res[2].Status)
	}
	if strings.Join(asked, ",") != "example.com/auto" {
		t.Fatalf("asked %v", asked)
	}
}
