package images

import (
	"context"
	"maps"
	"slices"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// ApplyAndCommit rewrites the files of rep.Updates (data: the files' contents by slash
// path, as Scanned.Data), writes them (unless dryRun), and commits/pushes as c asks,
// filling in rep. Nothing is written when any rewrite fails.
func ApplyAndCommit(ctx context.Context, src *source.Source, c *CommitSettings, data map[string][]byte, rep *UpdateReport, dryRun bool, msg string) error {
	if rep.Updates == nil {
		rep.Updates = []Update{}
	}
	changed, err := Apply(data, rep.Updates)
	if err != nil {
		return err
	}
	rep.Files = slices.Sorted(maps.Keys(changed))
	if rep.Files == nil {
		rep.Files = []string{} // "files": [] in JSON, never null
	}
	if dryRun || len(changed) == 0 {
		return nil
	}
	written, err := src.WriteFiles(changed)
	if err != nil {
		return err
	}
	rep.Commit, rep.PushedBranch, err = c.commit(ctx, src, written, msg)
	return err
}
