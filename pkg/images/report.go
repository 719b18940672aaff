package images

import "io"

// UpdateSchemaVersion versions the JSON of `images update -o json` and `release -o json`.
const UpdateSchemaVersion = "kubectl-gitops.io/images-update/v1"

// ListReport is what a scan found and chose (`images list`): its JSON is the
// command's -o json.
type ListReport struct {
	Images   []Result    `json:"images"`
	Problems []Problem   `json:"problems,omitempty"`
	Requests []HostStats `json:"requests,omitempty"`
}

// UpdateReport is what a run that changes manifests did (`images update`, `release`):
// its JSON is their -o json.
type UpdateReport struct {
	SchemaVersion string      `json:"schemaVersion"`
	DryRun        bool        `json:"dryRun,omitempty"`
	Updates       []Update    `json:"updates"`
	Files         []string    `json:"files"` // changed files, relative to the source root
	Commit        string      `json:"commit,omitempty"`
	PushedBranch  string      `json:"pushedBranch,omitempty"`
	Skipped       []Problem   `json:"skipped,omitempty"`
	Problems      []Problem   `json:"problems,omitempty"`
	Requests      []HostStats `json:"requests,omitempty"`
}

// Write writes the report as output says: "json" (WriteJSON), else text (WriteText).
func (r *UpdateReport) Write(w, problems io.Writer, output string) error {
	if output == "json" {
		return r.WriteJSON(w)
	}
	r.WriteText(w, problems)
	return nil
}
