package plan

import (
	"encoding/json"
	"fmt"
	"io"
)

// planJSON is the JSON form of a Plan: its fields, and its Counts as "summary".
type planJSON struct {
	*Plan
	Summary Counts `json:"summary"`
}

// WriteJSON writes the plan as indented JSON, in the schema documented in
// docs/plan-json.md (versioned by SchemaVersion). Live, desired and merged objects
// are never written; diffs are masked.
func (p *Plan) WriteJSON(w io.Writer) error {
	cp := *p
	if cp.SchemaVersion == "" {
		cp.SchemaVersion = SchemaVersion
	}
	if cp.Changes == nil {
		cp.Changes = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Diffs are full of "<", ">" and "&" ("->"); keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(planJSON{Plan: &cp, Summary: cp.Counts()}); err != nil {
		return fmt.Errorf("write plan as JSON: %w", err)
	}
	return nil
}
