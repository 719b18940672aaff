package repoconfig

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds of the names a repository lists: each label may create a label in the
// repository, and each person is notified.
const (
	MaxLabels      = 10 // labels per pull request or issue
	MaxLabelChars  = 50 // GitHub's limit of a label's name
	MaxReviewers   = 15 // GitHub's limit of reviewers asked at once
	MaxAssignees   = 10 // GitHub's limit of an issue's assignees
	maxLoginsChars = 100
)

// nameList is a list of labels, logins or team slugs of a section, with its bound.
type nameList struct {
	key  string
	list []string
	max  int
}

// check refuses an empty name, one with a comma or a line break, one longer than
// GitHub takes, and more names than l.max, naming section.key and line.
func (l nameList) check(file string, line int, section string) error {
	if len(l.list) > l.max {
		return &Error{File: file, Line: line, Msg: fmt.Sprintf("%s.%s: %d names, at most %d", section, l.key, len(l.list), l.max)}
	}
	limit := maxLoginsChars
	if l.key == "labels" {
		limit = MaxLabelChars
	}
	for _, v := range l.list {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, ",\n\r") || utf8.RuneCountInString(v) > limit {
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("%s.%s: %q is not a valid name", section, l.key, v)}
		}
	}
	return nil
}
