package images

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as indented JSON.
func (r *ListReport) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// WriteJSON writes the report as indented JSON.
func (r *UpdateReport) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
