package plan

import (
	"net/url"
	"strings"
)

// MarkdownRepository names and links the repository on a plan's source line, for a
// caller that knows where it lives on the web (pkg/plancomment makes one for GitHub).
type MarkdownRepository struct {
	// Name is how a reader names it: "acme/fleet".
	Name string
	// URL is its web page; "" leaves the name unlinked.
	URL string
	// TreeURL links a path at a commit, CommitURL a commit; nil leaves them unlinked.
	TreeURL   func(rev, path string) string
	CommitURL func(rev string) string
}

// shortRevision is how many characters of a commit the source line shows.
const shortRevision = 7

// sourceLine says where the plan was read from, as a reader names it: the repository,
// the paths in it and the commit ("**Source:** `acme/fleet` · `clusters/prod` ·
// `c416a47`"), linked when repo links them; never a path of the machine that made the
// plan. It is "" when nothing is known.
func sourceLine(p *Plan, repo *MarkdownRepository) string {
	if repo == nil && p.Repository != "" {
		repo = &MarkdownRepository{Name: repositoryName(p.Repository)}
	}
	link := func(code, u string) string {
		if u == "" {
			return code
		}
		return MarkdownLink(code, u)
	}
	var parts []string
	if repo != nil && repo.Name != "" {
		parts = append(parts, link(mdCode(repo.Name), repo.URL))
	}
	for _, path := range p.Paths {
		if path == "" || path == "." {
			continue
		}
		u := ""
		if repo != nil && repo.TreeURL != nil && p.Revision != "" {
			u = repo.TreeURL(p.Revision, path)
		}
		parts = append(parts, link(mdCode(path), u))
	}
	commit := func(rev string) string {
		u := ""
		if repo != nil && repo.CommitURL != nil {
			u = repo.CommitURL(rev)
		}
		return link(mdCode(short(rev)), u)
	}
	if p.Revision != "" {
		parts = append(parts, commit(p.Revision))
	}
	if len(parts) == 0 {
		if p.Source != "" && p.Revision == "" {
			return "**Source:** a directory outside git"
		}
		return ""
	}
	line := "**Source:** " + strings.Join(parts, " · ")
	if p.Revision == "" && (repo == nil || repo.Name == "") {
		line += " (a directory outside git)"
	}
	if p.BaseRevision != "" {
		line += " · offline, against " + commit(p.BaseRevision)
	}
	return line
}

// short is a commit's first characters; anything else stays whole.
func short(rev string) string {
	if len(rev) > shortRevision && strings.Trim(rev, "0123456789abcdef") == "" {
		return rev[:shortRevision]
	}
	return rev
}

// repositoryName is how a reader names the repository at u: "owner/name" on
// github.com, else the host and path; credentials, a query and ".git" left out.
func repositoryName(u string) string {
	host, path := "", u
	if pu, err := url.Parse(u); err == nil && pu.Host != "" {
		host, path = pu.Hostname(), pu.Path
	} else if at, colon := strings.Index(u, "@"), strings.Index(u, ":"); at >= 0 && colon > at {
		host, path = u[at+1:colon], u[colon+1:] // git@github.com:owner/name.git
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	if host == "" || host == "github.com" {
		return path
	}
	return host + "/" + path
}
