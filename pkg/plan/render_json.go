package plan

import (
	"bufio"
	"bytes"
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
// are never written; diffs are masked. The changes are written one at a time, so the
// JSON of a plan of thousands of objects is never held in memory whole.
func (p *Plan) WriteJSON(w io.Writer) error {
	cp := *p
	if cp.SchemaVersion == "" {
		cp.SchemaVersion = SchemaVersion
	}
	changes := cp.Changes
	cp.Changes = []Change{}
	var head bytes.Buffer
	if err := newJSONEncoder(&head, "").Encode(planJSON{Plan: &cp, Summary: p.Counts()}); err != nil {
		return fmt.Errorf("write plan as JSON: %w", err)
	}
	if len(changes) == 0 {
		_, err := w.Write(head.Bytes())
		return err
	}
	// Everything but the changes, around the place they go.
	before, after, ok := bytes.Cut(head.Bytes(), []byte("\n  \"changes\": [],\n"))
	if !ok {
		return fmt.Errorf("write plan as JSON: no changes field")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	bw.WriteString("\n  \"changes\": [\n")
	var one bytes.Buffer
	enc := newJSONEncoder(&one, "    ")
	for i := range changes {
		one.Reset()
		if err := enc.Encode(&changes[i]); err != nil {
			return fmt.Errorf("write plan as JSON: %w", err)
		}
		bw.WriteString("    ")
		bw.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
		if i < len(changes)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ],\n")
	bw.Write(after)
	return bw.Flush()
}

// newJSONEncoder writes JSON indented by two spaces after prefix, with "<", ">" and
// "&" as they are: diffs are full of them ("->"); keep them readable.
func newJSONEncoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}
