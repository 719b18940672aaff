package cmdutil

import (
	"errors"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

func TestRedacted(t *testing.T) {
	r := redact.New()
	r.Add("hunter2-value")
	tests := []struct {
		name     string
		err      error
		wantMsg  string
		wantCode int
	}{
		{"exit error", Exit(ExitChanges, errors.New("apply: hunter2-value")), "apply: (masked)", ExitChanges},
		{"silent exit", Exit(ExitFailure, nil), "exit 2", ExitFailure},
		{"plain error", errors.New("x hunter2-value"), "x (masked)", ExitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redacted(r, tt.err)
			if got.Error() != tt.wantMsg || CodeOf(got) != tt.wantCode {
				t.Errorf("got %q (exit %d), want %q (exit %d)", got, CodeOf(got), tt.wantMsg, tt.wantCode)
			}
		})
	}
	if Redacted(r, nil) != nil {
		t.Error("nil must stay nil")
	}
}
