package bot

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// bumpGroup is what one branch bumps: one image repository, or a group of
// .gitops.yaml's imagePullRequests.groups.
type bumpGroup struct {
	name   string // the group's name, or the image repository
	group  bool
	branch string
	repos  []string       // image repositories, sorted
	images []images.Image // their automated places in the default branch

	results  []images.Result
	updates  []images.Update
	problems []images.Problem
}

// groupImages sorts the automated images into branches. With only, the branches of
// those image repositories are kept, each whole (a group's other images too, so its
// branch keeps every change it should hold).
func groupImages(imgs []images.Image, cfg *repoconfig.ImagePullRequestConfig, only []string) []*bumpGroup {
	byBranch := map[string]*bumpGroup{}
	for _, im := range imgs {
		if !im.Automated || im.Err != nil {
			continue
		}
		name, grouped := im.Ref.Name(), false
		if g := cfg.GroupOf(im.Ref); g != nil {
			name, grouped = g.Name, true
		}
		br := BumpBranchPrefix + branchSafe(name)
		g := byBranch[br]
		if g == nil {
			g = &bumpGroup{name: name, group: grouped, branch: br}
			byBranch[br] = g
		}
		g.images = append(g.images, im)
		if !slices.Contains(g.repos, im.Ref.Name()) {
			g.repos = append(g.repos, im.Ref.Name())
		}
	}
	var out []*bumpGroup
	for _, g := range byBranch {
		sort.Strings(g.repos)
		if only == nil || overlaps(g.repos, only) {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].branch < out[j].branch })
	return out
}

var branchUnsafe = regexp.MustCompile(`[^A-Za-z0-9._/-]+`)

// branchSafe makes an image repository or group name a valid part of a branch name
// ("127.0.0.1:5000/shop/web" → "127.0.0.1-5000/shop/web").
func branchSafe(name string) string {
	s := branchUnsafe.ReplaceAllString(name, "-")
	s = strings.ReplaceAll(s, "..", "-")
	parts := strings.Split(s, "/")
	for i, p := range parts {
		p = strings.TrimPrefix(p, ".")
		p = strings.TrimSuffix(p, ".lock")
		if p == "" {
			p = "-"
		}
		parts[i] = p
	}
	return strings.Join(parts, "/")
}

// assign takes the group's check results and rewrites, and its problems.
func (g *bumpGroup) assign(results []images.Result, updates []images.Update) {
	in := func(repo string) bool { return slices.Contains(g.repos, repo) }
	for _, r := range results {
		if r.Err != nil || !in(r.Ref.Name()) {
			continue
		}
		g.results = append(g.results, r)
		if r.Status == images.StatusError {
			p := images.Problem{File: r.File, Line: r.Line, Image: r.Value, Message: r.Error}
			if r.Object != nil {
				p.Object = r.Object.String()
			}
			if r.Container != "" {
				p.Message = "container " + r.Container + ": " + p.Message
			}
			g.problems = append(g.problems, p)
		}
	}
	for _, u := range updates {
		if in(u.Repository) {
			g.updates = append(g.updates, u)
		}
	}
}

// result is the check of the place u rewrites.
func (g *bumpGroup) result(u images.Update) *images.Result {
	for i := range g.results {
		r := &g.results[i]
		if r.File == u.File && r.Line == u.Line && r.Path == u.Path {
			return r
		}
	}
	return nil
}

// title is the pull request's title and the commit's subject.
func (g *bumpGroup) title() string {
	if g.group {
		return fmt.Sprintf("Update images of group %s", g.name)
	}
	var tags []string
	for _, u := range g.updates {
		if !slices.Contains(tags, u.ToTag) {
			tags = append(tags, u.ToTag)
		}
	}
	return fmt.Sprintf("Update %s to %s", g.name, strings.Join(tags, ", "))
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
