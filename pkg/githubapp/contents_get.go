package githubapp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// GetFileContent reads file path of owner/repo at ref ("" for the default branch).
// found is false, without an error, when GitHub answers 404: there is no such file
// (or repository). A directory at path is an error.
func GetFileContent(ctx context.Context, gh *github.Client, owner, repo, path, ref string) (data []byte, found bool, err error) {
	err = callAPI(ctx, fmt.Sprintf("read %s of %s/%s", path, owner, repo), repoHints(owner, repo, "contents: read"), func(ctx context.Context) error {
		fc, _, resp, err := gh.Repositories.GetContents(ctx, owner, repo, path, &github.RepositoryContentGetOptions{Ref: ref})
		switch {
		case resp != nil && resp.StatusCode == http.StatusNotFound:
			return nil
		case err != nil:
			return err
		case fc == nil:
			return fmt.Errorf("%s is a directory, not a file", path)
		}
		text, err := fc.GetContent()
		if err != nil {
			return err
		}
		data, found = []byte(text), true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return data, found, nil
}
