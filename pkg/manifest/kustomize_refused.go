package manifest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// refusedFetches explains a build that failed because it asked for a URL: netguard
// refused the request (or git refused the protocol), and msg, the build's error, quotes
// the URL. Kustomize's error does not say which file and field named it, so this finds
// the URL among the values of the files the build read, plugin configs written inline in
// a kustomization included, and names each place (file, line, field). It knows no field
// by name: any value that names the URL the build was refused is reported.
func refusedFetches(root sourceRoot, reads fileReads, msg string) []*Error {
	if !strings.Contains(msg, netguard.ErrNoNetwork.Error()) && !strings.Contains(msg, "not allowed") {
		return nil
	}
	names := make([]string, 0, len(reads))
	for abs := range reads {
		names = append(names, abs)
	}
	sort.Strings(names)
	var errs []*Error
	for _, abs := range names {
		if !root.contains(abs) || !(isYAMLName(abs) || filepath.Ext(abs) == "") {
			continue
		}
		rel := root.rel(abs)
		data := reads[abs]
		docs, _ := YAMLNodes(data) // what parses: a Kustomize error is being explained
		for _, doc := range docs {
			walkScalars(doc, "", 0, func(n *yaml.Node, field string, line int) {
				url := remoteIn(n.Value)
				if url == "" || !strings.Contains(msg, url) {
					return
				}
				errs = append(errs, &Error{Source: Source{File: rel, Line: fileLine(data, line)},
					Err: fmt.Errorf("%s: %q is a URL: a Kustomize build reads only files of the repository, and never the network; vendor the file into the repository", field, url)})
			})
		}
	}
	return errs
}

// remoteIn returns the URL a path value names, as Kustomize reads it ("KEY=URL" in
// generators' files), or "".
func remoteIn(v string) string {
	v = strings.TrimSpace(v)
	if _, after, ok := strings.Cut(v, "="); ok && !strings.Contains(v[:strings.Index(v, "=")], "/") {
		if isRemote(after, false) {
			return strings.TrimSpace(after)
		}
	}
	if isRemote(v, false) {
		return v
	}
	return ""
}

// walkScalars calls fn with every scalar under n, its field path (a.b[0].c) and its
// line, also inside scalars that hold YAML themselves (plugin configs written inline):
// their lines are counted from the line they start on.
func walkScalars(n *yaml.Node, field string, offset int, fn func(n *yaml.Node, field string, line int)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkScalars(c, field, offset, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkScalars(n.Content[i+1], join(field, n.Content[i].Value), offset, fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkScalars(c, fmt.Sprintf("%s[%d]", field, i), offset, fn)
		}
	case yaml.ScalarNode:
		if isInlineYAML(n.Value) {
			var inner yaml.Node
			if yaml.Unmarshal([]byte(n.Value), &inner) == nil && len(inner.Content) > 0 && inner.Content[0].Kind != yaml.ScalarNode {
				start := offset + n.Line - 1
				if n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle {
					start++ // the block starts on the line after its indicator
				}
				walkScalars(&inner, field, start, fn)
				return
			}
		}
		fn(n, field, offset+n.Line)
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
