package repoconfig

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// ImagePullRequestConfig shapes the bot's image-bump pull requests (the
// imagePullRequests: section; the policies stay under images:).
type ImagePullRequestConfig struct {
	// Labels are added to every image-bump pull request when it is opened.
	Labels []string `yaml:"labels"`
	// Reviewers (logins) and TeamReviewers (team slugs) are asked to review it.
	Reviewers     []string `yaml:"reviewers"`
	TeamReviewers []string `yaml:"teamReviewers"`
	// CISkip ends the commit message with "[ci skip]".
	CISkip bool `yaml:"ciSkip"`
	// Groups bump several image repositories in one pull request each; every other
	// image gets a pull request of its own.
	Groups []ImageGroup `yaml:"groups"`
}

// ImageGroup is image repositories bumped together, on branch gitops/image/<name>.
type ImageGroup struct {
	Name string `yaml:"name"`
	// Images are globs of image repositories ("ghcr.io/acme/*"); the first group that
	// matches an image takes it.
	Images []string `yaml:"images"`
	Line   int      `yaml:"-"`

	filter *images.ImageFilter
}

// Matches reports whether the group takes image repository ref.
func (g *ImageGroup) Matches(ref images.Reference) bool {
	return g.filter != nil && g.filter.Allows(ref)
}

// GroupOf returns the group that takes ref (nil: the image is bumped on its own).
func (c *ImagePullRequestConfig) GroupOf(ref images.Reference) *ImageGroup {
	for i := range c.Groups {
		if c.Groups[i].Matches(ref) {
			return &c.Groups[i]
		}
	}
	return nil
}

// checkImagePullRequests validates the section; section is its YAML node (nil when
// absent), for the lines of groups.
func checkImagePullRequests(file string, c *ImagePullRequestConfig, section *yaml.Node) error {
	line := 0
	if section != nil {
		line = section.Line
		if g := gitopsfile.MappingValue(section, "groups"); g != nil && g.Kind == yaml.SequenceNode {
			for j, item := range g.Content {
				if j < len(c.Groups) {
					c.Groups[j].Line = item.Line
				}
			}
		}
	}
	for _, l := range []nameList{
		{"labels", c.Labels, MaxLabels}, {"reviewers", c.Reviewers, MaxReviewers}, {"teamReviewers", c.TeamReviewers, MaxReviewers},
	} {
		if err := l.check(file, line, gitopsfile.KeyImagePullRequests); err != nil {
			return err
		}
	}
	seen := map[string]int{}
	for i := range c.Groups {
		g := &c.Groups[i]
		switch {
		case !targetName.MatchString(g.Name):
			return &Error{File: file, Line: g.Line, Msg: fmt.Sprintf("image group name %q: want lower-case letters, digits, '.', '_' or '-' (at most 63)", g.Name)}
		case seen[g.Name] > 0:
			return &Error{File: file, Line: g.Line, Msg: fmt.Sprintf("image group %q is defined twice (first at line %d)", g.Name, seen[g.Name])}
		case len(g.Images) == 0:
			return &Error{File: file, Line: g.Line, Msg: fmt.Sprintf("image group %q: images: lists no image repository", g.Name)}
		}
		seen[g.Name] = max(g.Line, 1)
		f, err := images.NewImageFilter(g.Images, []string{})
		if err != nil {
			return &Error{File: file, Line: g.Line, Msg: fmt.Sprintf("image group %q: %v", g.Name, err)}
		}
		g.filter = f
	}
	return nil
}
