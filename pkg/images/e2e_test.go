package images

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// startDebianRegistry starts Debian's docker-registry on loopback with hack/registry.sh
// (which installs the package with apt-get when missing) and returns its host:port. It
// fails, never skips, when the registry cannot be had.
func startDebianRegistry(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reg, err := imagestest.StartDebianRegistry(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := reg.Stop(); err != nil {
			t.Log(err)
		}
	})
	return reg.Host
}

// TestE2EDebianRegistry runs scan → check → rewrite against the CNCF distribution
// registry packaged by Debian: its Link-header pagination, its manifests, and a repeat
// scan answered from the disk cache.
func TestE2EDebianRegistry(t *testing.T) {
	host := startDebianRegistry(t)
	created := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	img := testImage(t, created)
	pushTags(t, host, "shop/web", img, "1.0.0", "1.0.1", "1.1.0", "1.2.0", "2.0.0")
	pushTags(t, host, "shop/worker", img, "main-aaa-100", "main-bbb-200", "main-ccc-150")

	// Pagination the distribution way: n=2 pages linked with Link headers.
	small := quietRegistry(WithPageSize(2))
	tags, err := small.ListTags(context.Background(), repoOf(t, host+"/shop/web"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(tags)
	if strings.Join(tags, ",") != "1.0.0,1.0.1,1.1.0,1.2.0,2.0.0" {
		t.Fatalf("tags %v", tags)
	}
	if got, err := small.Created(context.Background(), repoOf(t, host+"/shop/web"), "1.2.0"); err != nil || !got.Equal(created) {
		t.Fatalf("created %s err %v", got, err)
	}

	rules := mustRules(t, fmt.Sprintf(`images:
  policies:
    - name: worker
      image: %s/shop/worker
      regex: '^main-[a-z]+-(?P<ts>[0-9]+)$'
      extract: ts
`, host))
	manifests := map[string]string{
		"apps/web.yaml": fmt.Sprintf(`# the shop front
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.web: semver:~1.1 # patch and minor only
spec:
  template:
    spec:
      containers:
        - name: web
          image: "%s/shop/web:1.0.0"   # pinned by the policy above
`, host),
		"apps/worker.yaml": fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata: {name: worker, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: worker
            image: %s/shop/worker:main-aaa-100 # {"$imagepolicy": "worker"}
`, host),
	}
	var files []File
	data := map[string][]byte{}
	for p, s := range manifests {
		files = append(files, File{Path: p, Data: []byte(s)})
		data[p] = []byte(s)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	imgs, errs := Scan(files, rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	cacheDir := t.TempDir()
	reg := quietRegistry()
	checker := &Checker{Lister: NewCache(reg, time.Hour, CacheDir(cacheDir)), Logger: discardLogger()}
	results := checker.Check(context.Background(), imgs)
	updates, uerrs := Updates(results)
	if len(uerrs) > 0 || len(updates) != 2 {
		t.Fatalf("updates %+v errs %v results %+v", updates, uerrs, results)
	}
	out, err := Apply(data, updates)
	if err != nil {
		t.Fatal(err)
	}
	wantWeb := strings.Replace(manifests["apps/web.yaml"], "/shop/web:1.0.0\"", "/shop/web:1.1.0\"", 1)
	wantWorker := strings.Replace(manifests["apps/worker.yaml"], "worker:main-aaa-100 #", "worker:main-bbb-200 #", 1)
	if string(out["apps/web.yaml"]) != wantWeb || string(out["apps/worker.yaml"]) != wantWorker {
		t.Fatalf("rewritten:\n%s\n%s", out["apps/web.yaml"], out["apps/worker.yaml"])
	}
	if n := reg.Requests(); n != 3 {
		t.Errorf("first scan sent %d requests, want 3 (ping + one page per repository)", n)
	}

	// A repeat scan by a new process inside the cache window sends nothing.
	reg2 := quietRegistry()
	again := (&Checker{Lister: NewCache(reg2, time.Hour, CacheDir(cacheDir))}).Check(context.Background(), imgs)
	if u, _ := Updates(again); len(u) != 2 {
		t.Fatalf("repeat scan updates %d", len(u))
	}
	if n := reg2.Requests(); n != 0 {
		t.Errorf("repeat scan sent %d requests, want 0", n)
	}
}
