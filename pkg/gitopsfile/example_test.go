package gitopsfile_test

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

type imagesSection struct {
	Policies []policy `yaml:"policies"`
}

type policy struct {
	Name   string `yaml:"name"`
	Image  string `yaml:"image"`
	Semver string `yaml:"semver"`
}

// Parse checks the top-level keys; each reader takes its section and decodes it
// strictly, so a typo anywhere is an error naming file and line.
func ExampleParse() {
	f, err := gitopsfile.Parse("deploy/.gitops.yaml", []byte(`images:
  policies:
    - name: app
      image: ghcr.io/acme/app
      semvr: ">=1.0.0"
targets:
  - name: prod
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("generators:", f.DeclaresGenerators(), "targets:", f.Has(gitopsfile.KeyTargets))

	var images imagesSection
	fmt.Println(gitopsfile.Decode(f.Section(gitopsfile.KeyImages), &images))

	_, err = gitopsfile.Parse("deploy/.gitops.yaml", []byte("version: 1\ngenerator:\n  - command: make\n"))
	fmt.Println(err)
	// Output:
	// generators: false targets: true
	// yaml: unmarshal errors:
	//   line 5: field semvr not found in type gitopsfile_test.policy
	// deploy/.gitops.yaml:2: unknown key "generator" (known: version, generators, images, targets, comments, forks, notify, imagePullRequests, drift)
}
