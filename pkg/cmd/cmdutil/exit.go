package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// Exit codes, as documented in the README (like kubectl diff).
const (
	ExitOK      = 0 // nothing to change / everything applied
	ExitChanges = 1 // plan: changes found; apply: some objects failed
	ExitFailure = 2 // bad input, problems in the plan, cluster unreachable, locked
)

// ExitError carries an exit code out of a command's Run. A nil Err exits silently.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit wraps err with code.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// CodeOf returns the exit code for err: 0 for nil, the code of an ExitError, else ExitFailure.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailure
}

// Redacted returns err with its message redacted by r, keeping its exit code.
func Redacted(r *redact.Redactor, err error) error {
	if e, ok := err.(*ExitError); ok {
		if e.Err == nil {
			return err
		}
		return &ExitError{Code: e.Code, Err: r.Error(e.Err)}
	}
	return r.Error(err)
}

// Command is kubectl's command pattern: Complete fills in what the flags leave open,
// Validate checks the options, Run does the work.
type Command interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE returns a cobra RunE for c: errors from Complete and Validate exit with
// ExitFailure, Run decides its own exit code. Run gets the command's context
// (context.Background when it has none).
func RunE(c Command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := c.Complete(args); err != nil {
			return Exit(ExitFailure, err)
		}
		if err := c.Validate(); err != nil {
			return Exit(ExitFailure, err)
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		return c.Run(ctx)
	}
}
