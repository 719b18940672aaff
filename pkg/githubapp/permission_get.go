package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// GetPermissionLevel is user's permission on owner/repo, as GitHub names it: "admin",
// "write", "read" or "none" (maintain counts as write, triage as read).
func GetPermissionLevel(ctx context.Context, gh *github.Client, owner, repo, user string) (string, error) {
	var out string
	err := callAPI(ctx, fmt.Sprintf("permission of %s on %s/%s", user, owner, repo), repoHints(owner, repo, "metadata: read"), func(ctx context.Context) error {
		perm, _, err := gh.Repositories.GetPermissionLevel(ctx, owner, repo, user)
		out = perm.GetPermission()
		return err
	})
	if err != nil {
		return "", err
	}
	return out, nil
}
