package images

// GlobPolicy allows tags matching a glob and orders them naturally (digit runs as
// numbers: "build-10" is newer than "build-9"). The tag "latest" is never a candidate
// unless the glob is exactly "latest". Flux v1 ordered glob matches by image creation
// time, which needs one request per tag; use a regex policy with an extracted
// timestamp when tags are not naturally sortable.
type GlobPolicy struct {
	g *glob
}

// NewGlob compiles pattern, e.g. "v1.*" or "*".
func NewGlob(pattern string) (*GlobPolicy, error) {
	g, err := compileGlob(pattern)
	if err != nil {
		return nil, err
	}
	return &GlobPolicy{g: g}, nil
}

func (p *GlobPolicy) Candidates(tags []string) []string {
	items := make([]keyed[string], 0, len(tags))
	for _, t := range dedupe(tags) {
		if !p.g.match(t) || (t == "latest" && p.g.pattern != "latest") {
			continue
		}
		items = append(items, keyed[string]{tag: t, key: t})
	}
	return sortNewestFirst(items, naturalCompare)
}

func (p *GlobPolicy) String() string { return "glob:" + p.g.pattern }
