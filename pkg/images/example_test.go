package images_test

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Scan finds the images of manifests held in memory and the policy of each: a
// workload automated by Flux v1 annotations (fluxcd.io/tag.web for one container,
// any newer tag, glob:*, for the others, init containers included), and a ConfigMap
// field bound by a marker comment to a policy of the images: section of .gitops.yaml.
func ExampleScan() {
	config := []byte(`images:
  policies:
    - name: redis
      image: docker.io/library/redis
      semver: "7.x"
`)
	cfg, lines, err := images.ParseConfig(images.ConfigFile, config)
	if err != nil {
		panic(err)
	}
	rules, err := cfg.Rules(images.ConfigFile, lines)
	if err != nil {
		panic(err)
	}
	files := []images.File{{Path: "apps/web.yaml", Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.web: semver:~1.2
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: ghcr.io/acme/migrate:0.9.0
      containers:
      - name: web
        image: ghcr.io/acme/web:1.2.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cache
  namespace: shop
data:
  image: redis:7.0.1 # {"$imagepolicy": "redis"}
`)}}
	imgs, errs := images.Scan(files, rules)
	if len(errs) > 0 {
		panic(errs)
	}
	for _, im := range imgs {
		fmt.Printf("%s  %s  policy=%q automated=%v\n", im.Where(), im.Value, im.Policy, im.Automated)
	}
	// Output:
	// apps/web.yaml:14: Deployment.apps shop/web container migrate  ghcr.io/acme/migrate:0.9.0  policy="glob:*" automated=true
	// apps/web.yaml:17: Deployment.apps shop/web container web  ghcr.io/acme/web:1.2.0  policy="semver:~1.2" automated=true
	// apps/web.yaml:25: ConfigMap shop/cache  redis:7.0.1  policy="redis" automated=true
}
