package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// ClusterAccess is the operator's grant of clusters to repositories (--cluster-access):
// for each context of the bot's kubeconfig, which repositories may plan live against
// it and which namespaces they may see there. A repository's .gitops.yaml only asks
// for a cluster; the grant decides. A context the file does not name is granted to
// nobody, and a nil *ClusterAccess grants nothing: every plan is offline.
//
//	clusters:
//	  prod-eu:
//	    repositories: ["acme/fleet", "acme/*"]  # owner/name globs
//	    owners: [acme]                          # every repository of these accounts
//	    namespaces: ["shop-*", "payments"]      # globs; ["*"]: the whole cluster
type ClusterAccess struct {
	clusters map[string]ClusterGrant
}

// ClusterGrant is one context's entry of the file.
type ClusterGrant struct {
	// Repositories are "owner/name" globs (path.Match: "acme/*"), matched without
	// regard to case, as GitHub matches logins and names.
	Repositories []string `yaml:"repositories"`
	// Owners are accounts (the installation's user or organization) whose every
	// repository is granted; globs too, matched without regard to case.
	Owners []string `yaml:"owners"`
	// Namespaces are the namespaces (names or globs) the granted repositories may
	// plan in; required, "*" for every namespace.
	Namespaces []string `yaml:"namespaces"`
}

// TargetAccess is how one target is planned: Live with AllowNamespaces (nil: every
// namespace), or offline, with Reason saying why for the pull request comment.
type TargetAccess struct {
	Live            bool
	AllowNamespaces []string
	// NamespacedOnly: the grant names some namespaces, not the whole cluster, so
	// cluster-scoped objects are refused.
	NamespacedOnly bool
	Reason         string
}

// ReadClusterAccess reads and checks the file; contexts are the kubeconfig's, and a
// context the file names that the kubeconfig lacks is an error.
func ReadClusterAccess(file string, contexts []string) (*ClusterAccess, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read cluster access: %w", err)
	}
	return ParseClusterAccess(file, data, contexts)
}

// ParseClusterAccess parses and checks a cluster access file; errors name the file,
// the line and the context.
func ParseClusterAccess(file string, data []byte, contexts []string) (*ClusterAccess, error) {
	var doc struct {
		Clusters map[string]ClusterGrant `yaml:"clusters"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.NewReplacer("bot.ClusterGrant", "a cluster's grant", "struct { Clusters map[string]", "").Replace(err.Error())
		return nil, fmt.Errorf("%s: %s", file, msg)
	}
	lines := clusterLines(data)
	names := make([]string, 0, len(doc.Clusters))
	for name := range doc.Clusters {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return lines[names[i]] < lines[names[j]] })
	a := &ClusterAccess{clusters: map[string]ClusterGrant{}}
	var errs []error
	for _, name := range names {
		g := doc.Clusters[name]
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: context %q: %s", file, lines[name], name, fmt.Sprintf(format, args...)))
		}
		if !slices.Contains(contexts, name) {
			fail("not a context of the kubeconfig")
		}
		if len(g.Repositories) == 0 && len(g.Owners) == 0 {
			fail("grants no one: give repositories (owner/name globs) or owners")
		}
		if len(g.Namespaces) == 0 {
			fail(`namespaces are required (["*"] grants every namespace)`)
		}
		for i, r := range g.Repositories {
			owner, repo, ok := strings.Cut(r, "/")
			if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") || !validGlob(r) {
				fail("repository %q: want an owner/name glob such as acme/fleet or acme/*", r)
			}
			g.Repositories[i] = strings.ToLower(r)
		}
		for i, o := range g.Owners {
			if o == "" || strings.Contains(o, "/") || !validGlob(o) {
				fail("owner %q: want an account (user or organization) such as acme", o)
			}
			g.Owners[i] = strings.ToLower(o)
		}
		for _, ns := range g.Namespaces {
			if ns == "" || strings.Contains(ns, "/") || !validGlob(ns) {
				fail("namespace %q: want a namespace name or glob such as shop-*", ns)
			}
		}
		a.clusters[name] = g
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return a, nil
}

// clusterLines is the line of each context under clusters:, for errors.
func clusterLines(data []byte) map[string]int {
	out := map[string]int{}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) != 1 {
		return out
	}
	if cl := gitopsfile.MappingValue(root.Content[0], "clusters"); cl != nil && cl.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(cl.Content); i += 2 {
			out[cl.Content[i].Value] = cl.Content[i].Line
		}
	}
	return out
}

func validGlob(p string) bool {
	_, err := path.Match(p, "")
	return err == nil
}

// Contexts are the contexts the file grants, sorted.
func (a *ClusterAccess) Contexts() []string {
	if a == nil {
		return nil
	}
	out := make([]string, 0, len(a.clusters))
	for name := range a.clusters {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// grant is the grant of cluster to repository "owner/name", if any.
func (a *ClusterAccess) grant(cluster, repo string) (ClusterGrant, bool) {
	if a == nil {
		return ClusterGrant{}, false
	}
	g, ok := a.clusters[cluster]
	if !ok {
		return ClusterGrant{}, false
	}
	repo = strings.ToLower(repo)
	owner, _, _ := strings.Cut(repo, "/")
	for _, p := range g.Repositories {
		if ok, _ := path.Match(p, repo); ok {
			return g, true
		}
	}
	for _, p := range g.Owners {
		if ok, _ := path.Match(p, owner); ok {
			return g, true
		}
	}
	return ClusterGrant{}, false
}

// Resolve decides how a target of repository repo ("owner/name") that asks for cluster
// with allowNamespaces is planned. Live needs a grant of the cluster to the
// repository; the namespaces are then the target's allowNamespaces that the grant
// covers, or the grant's when the target lists none. A target none of whose
// namespaces is granted is planned offline. A Reason never names a cluster or a
// namespace the repository did not name itself.
func (a *ClusterAccess) Resolve(repo, cluster string, allowNamespaces []string) TargetAccess {
	if cluster == "" {
		return TargetAccess{}
	}
	g, ok := a.grant(cluster, repo)
	if !ok {
		return TargetAccess{Reason: fmt.Sprintf("cluster %s is not granted to %s by the bot's operator", cluster, repo)}
	}
	ns := intersectNamespaces(allowNamespaces, g.Namespaces)
	if len(allowNamespaces) > 0 && len(ns) == 0 {
		return TargetAccess{Reason: fmt.Sprintf("none of allowNamespaces %v is granted to %s on cluster %s", allowNamespaces, repo, cluster)}
	}
	return TargetAccess{Live: true, AllowNamespaces: ns, NamespacedOnly: !slices.Contains(g.Namespaces, "*")}
}

// intersectNamespaces is what both the target's list and the grant's allow (nil: every
// namespace). Where two globs meet, only what both surely allow is kept: a name the
// target glob matches, or the same glob.
func intersectNamespaces(target, grant []string) []string {
	if slices.Contains(grant, "*") {
		return slices.Clone(target)
	}
	if len(target) == 0 {
		return slices.Clone(grant)
	}
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, t := range target {
		if t == "*" {
			for _, g := range grant {
				add(g)
			}
			continue
		}
		if !isGlob(t) {
			if plan.NamespaceAllowed(grant, t) {
				add(t)
			}
			continue
		}
		for _, g := range grant {
			if g == t || !isGlob(g) && plan.NamespaceAllowed([]string{t}, g) {
				add(g)
			}
		}
	}
	return out
}

func isGlob(s string) bool { return strings.ContainsAny(s, `*?[\`) }
