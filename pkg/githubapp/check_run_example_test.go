package githubapp_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// cleanups stands in for a testing.T's Cleanup outside a test.
type cleanups []func()

func (c *cleanups) Cleanup(f func()) { *c = append(*c, f) }

func (c *cleanups) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
}

// A plan reported as a check run: started, then completed with one annotation per
// problem, however many (GitHub takes 50 per request; the verbs page them). Creating
// it again for the same commit, name and external id updates the same run.
func ExampleCreateCheckRun() {
	var c cleanups
	defer c.run()
	fake := githubtest.New(&c) // GitHub, in memory
	gh, _ := githubapp.NewClient(nil, "", fake.URL)
	ctx := context.Background()
	sha := strings.Repeat("a", 40)

	run, created, err := githubapp.CreateCheckRun(ctx, gh, "o", "r", githubapp.CheckRun{
		Name: "gitops/plan", HeadSHA: sha, ExternalID: "pr-7", Status: githubapp.CheckInProgress,
		Title: "Planning", Summary: "Rendering and diffing the manifests…",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.GetStatus(), created)

	var problems []githubapp.Annotation
	for i := 1; i <= 120; i++ {
		problems = append(problems, githubapp.Annotation{
			Path: "apps/web/deploy.yaml", StartLine: i, Level: githubapp.AnnotationFailure,
			Title: "Invalid object", Message: "spec.replicas: must be an integer",
		})
	}
	run, err = githubapp.UpdateCheckRun(ctx, gh, "o", "r", run.GetID(), githubapp.CheckRun{
		Name: "gitops/plan", Conclusion: githubapp.ConclusionFailure,
		Title: "120 invalid objects", Summary: "The plan could not be made.", Annotations: problems,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.GetStatus(), run.GetConclusion(), run.GetOutput().GetAnnotationsCount())
	fmt.Println("requests:", fake.CountCalls("POST", "/check-runs"), "create,", fake.CountCalls("PATCH", "/check-runs"), "updates")
	// Output:
	// in_progress true
	// completed failure 120
	// requests: 1 create, 3 updates
}
