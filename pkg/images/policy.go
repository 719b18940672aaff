package images

import (
	"fmt"
	"sort"
	"strings"
)

// Policy chooses which tags an image may be updated to and which of them is newest.
// Implementations read tag names only: ordering never needs a registry request.
type Policy interface {
	// Candidates returns the tags the policy allows, newest first.
	Candidates(tags []string) []string
	// String is the policy in annotation form, e.g. "semver:~1.0" or "glob:v1.*".
	String() string
}

// Latest returns the newest tag p allows, and false when it allows none.
func Latest(p Policy, tags []string) (string, bool) {
	c := p.Candidates(tags)
	if len(c) == 0 {
		return "", false
	}
	return c[0], true
}

// Allows reports whether p allows tag.
func Allows(p Policy, tag string) bool { return len(p.Candidates([]string{tag})) == 1 }

// ParsePolicy parses a policy in Flux v1 annotation form: "semver:<range>",
// "glob:<pattern>", "regex:<pattern>" (also "regexp:"), or a bare glob such as "v1.*".
// A prefix it does not know is an error (tags never contain ':').
func ParsePolicy(spec string) (Policy, error) {
	spec = strings.TrimSpace(spec)
	prefix, rest, found := strings.Cut(spec, ":")
	if !found {
		if spec == "" {
			return nil, fmt.Errorf("empty policy")
		}
		return NewGlob(spec)
	}
	switch prefix {
	case "semver":
		return NewSemver(rest)
	case "glob":
		return NewGlob(rest)
	case "regex", "regexp":
		return NewRegex(rest, RegexOptions{Order: OrderNatural})
	}
	return nil, fmt.Errorf("unknown policy syntax %q: want semver:<range>, glob:<pattern> or regex:<pattern>", spec)
}

// keyed sorts the allowed tags newest first by a key computed once per tag; ties are
// broken by the tag itself so the result never depends on the registry's order.
type keyed[K any] struct {
	tag string
	key K
}

func sortNewestFirst[K any](items []keyed[K], cmp func(a, b K) int) []string {
	sort.Slice(items, func(i, j int) bool {
		if c := cmp(items[i].key, items[j].key); c != 0 {
			return c > 0
		}
		return items[i].tag > items[j].tag
	})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.tag
	}
	return out
}

// dedupe drops repeated tags (a registry answering pages that overlap).
func dedupe(tags []string) []string {
	seen := make(map[string]struct{}, len(tags))
	out := tags[:0:0]
	for _, t := range tags {
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		out = append(out, t)
	}
	return out
}
