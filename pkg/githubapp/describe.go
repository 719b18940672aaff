package githubapp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDescription is the longest commit status description GitHub accepts, in characters.
const MaxDescription = 140

// DescribeCounts summarises a plan or apply for a status description:
// "2 created, 1 updated, 0 deleted, 5 unchanged", led by "1 failed, " when
// anything failed.
func DescribeCounts(create, update, del, unchanged, failed int) string {
	s := fmt.Sprintf("%d created, %d updated, %d deleted, %d unchanged", create, update, del, unchanged)
	if failed > 0 {
		s = fmt.Sprintf("%d failed, %s", failed, s)
	}
	return s
}

// shortDescription makes s fit a status description: valid UTF-8, whitespace
// (newlines included) collapsed to single spaces, and at most MaxDescription
// characters, cut at a character boundary and ended with "…" when too long.
func shortDescription(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= MaxDescription {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == MaxDescription-1 {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ") + "…"
}
