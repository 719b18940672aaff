package apply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

func TestFenceBatch(t *testing.T) {
	lost := errors.New("lost the applyset lock")
	tests := []struct {
		name      string
		fence     func(context.Context) error
		batch     int
		wantErr   bool
		wantNoted bool // the deletions not done say why
	}{
		{"confirmed", func(context.Context) error { return nil }, 1, false, false},
		{"refused", func(context.Context) error { return lost }, 1, true, true},
		{"empty batch: nothing to confirm", func(context.Context) error { return lost }, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plan.Plan{Changes: []plan.Change{
				{Action: plan.Delete, Result: plan.Deleted},
				{Action: plan.Delete},
				{Action: plan.Create, Result: plan.Applied},
			}}
			batch := []*plan.Change{&p.Changes[1]}[:tt.batch]
			err := fenceBatch(context.Background(), Options{fence: tt.fence}, p, batch)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := strings.Contains(p.Changes[1].Error, "not pruned: lost the applyset lock"); got != tt.wantNoted {
				t.Errorf("pending deletion error %q", p.Changes[1].Error)
			}
			if p.Changes[0].Error != "" || p.Changes[2].Error != "" {
				t.Errorf("done changes were marked: %+v", p.Changes)
			}
		})
	}
}
