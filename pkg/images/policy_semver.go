package images

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// SemverPolicy allows tags that parse as semantic versions (a leading "v" and missing
// minor/patch are accepted) within a range, newest version first. Pre-releases are
// allowed only when the range names one, as Masterminds/semver defines.
type SemverPolicy struct {
	Range       string
	constraints *semver.Constraints
}

// NewSemver parses a range such as "~1.0", "^2", ">=1.2.0 <2.0.0" or "*".
func NewSemver(r string) (*SemverPolicy, error) {
	r = strings.TrimSpace(r)
	if r == "" {
		return nil, fmt.Errorf("invalid semver range: empty")
	}
	c, err := semver.NewConstraint(r)
	if err != nil {
		return nil, fmt.Errorf("invalid semver range %q: %w", r, err)
	}
	return &SemverPolicy{Range: r, constraints: c}, nil
}

func (p *SemverPolicy) Candidates(tags []string) []string {
	items := make([]keyed[*semver.Version], 0, len(tags))
	for _, t := range dedupe(tags) {
		v, err := semver.NewVersion(t)
		if err != nil || !p.constraints.Check(v) {
			continue
		}
		items = append(items, keyed[*semver.Version]{tag: t, key: v})
	}
	return sortNewestFirst(items, func(a, b *semver.Version) int { return a.Compare(b) })
}

func (p *SemverPolicy) String() string { return "semver:" + p.Range }
