package gitopsfile

import (
	"fmt"
	"strings"
)

// Error is a problem of a .gitops.yaml at a line: "file:line: msg", or "file: msg" when
// it concerns the file as a whole (Line 0). Line counts as the YAML parser does, which
// is the line editors show unless the file ends lines with a lone carriage return.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Errors are all the problems Parse found in a file, in the file's order.
type Errors []*Error

func (l Errors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find each *Error.
func (l Errors) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}
