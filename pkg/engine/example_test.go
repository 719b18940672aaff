package engine_test

import (
	"context"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// The defaults every caller starts from: the plugin's flags and the bot.
func ExampleDefaultTarget() {
	t := engine.DefaultTarget()
	fmt.Printf("applyset %s, field manager %s\n", t.ApplySet, t.FieldManager)
	fmt.Printf("concurrency %d, qps %g, burst %d\n", t.Concurrency, t.QPS, t.Burst)
	fmt.Printf("prune %t, max deletes %d\n", t.Prune, t.MaxDeletes)
	// Output:
	// applyset gitops, field manager kubectl-gitops
	// concurrency 16, qps -1, burst 200
	// prune true, max deletes -1
}

// An offline plan: the head's render against the base's, no cluster. The bot plans a
// pull request so when it has no cluster for it (the base is the branch it goes into).
func ExamplePlanOffline() {
	ctx := context.Background()
	head, err := (&source.Options{Source: "testdata/offline/head"}).Open(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer head.Close()
	t := engine.DefaultTarget()
	t.DefaultNamespace = "shop"
	p, err := engine.PlanOffline(ctx, t, head, source.Options{Source: "testdata/offline/base"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range p.Changes {
		fmt.Println(c.Action, c.ID)
	}
	fmt.Printf("%+v\n", p.Counts())
	// Output:
	// unchanged ConfigMap shop/hours
	// update ConfigMap shop/prices
	// delete ConfigMap shop/promo
	// create ConfigMap shop/stock
	// {Create:1 Update:1 Delete:1 Unchanged:1 Skip:0 Failed:0 Problems:0}
}
