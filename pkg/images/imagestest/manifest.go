package imagestest

import "fmt"

// AutomatedDeployment is a YAML document ("---" first) of a Deployment called name whose
// one container, app, runs image, automated by Flux v1 annotations with the policy
// semver:^1.
func AutomatedDeployment(name, image string) string {
	return fmt.Sprintf(`---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.app: semver:^1
spec:
  template:
    spec:
      containers:
      - name: app
        image: %s
`, name, image)
}
