package githubapp

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// DefaultBranchHead returns the commit the default branch of owner/repo points at
// now, in one call answered with 40 bytes (GET commits/HEAD with GitHub's sha media
// type): no clone, no listing of refs. With known (a commit learnt before), the call
// is conditional: GitHub answers 304 Not Modified while the branch is still there,
// which does not count against the rate limit, and known is returned.
func DefaultBranchHead(ctx context.Context, gh *github.Client, owner, repo, known string) (string, error) {
	var sha string
	err := callAPI(ctx, fmt.Sprintf("read the default branch's commit of %s/%s", owner, repo), repoHints(owner, repo, "contents: read"), func(ctx context.Context) error {
		s, resp, err := gh.Repositories.GetCommitSHA1(ctx, owner, repo, "HEAD", known)
		if known != "" && resp != nil && resp.StatusCode == http.StatusNotModified {
			sha = known
			return nil
		}
		sha = strings.TrimSpace(s)
		return err
	})
	if err != nil {
		return "", err
	}
	if len(sha) != 40 || strings.Trim(sha, "0123456789abcdef") != "" {
		return "", fmt.Errorf("read the default branch's commit of %s/%s: GitHub answered %q, not a commit sha", owner, repo, shortSHA(sha))
	}
	return sha, nil
}
