package clidoc

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// Markers around a generated flag table; the begin marker names the command path.
const (
	beginMarker = "<!-- BEGIN FLAGS: "
	endMarker   = "<!-- END FLAGS -->"
)

var blockRE = regexp.MustCompile(`(?s)<!-- BEGIN FLAGS: ([^>]*?) -->\n.*?<!-- END FLAGS -->`)

// Block is a generated flag table of a page, empty, as it is written.
func Block(path string) string { return beginMarker + path + " -->\n" + endMarker }

// BlockPaths are the command paths of the flag tables a page holds, in order.
func BlockPaths(page string) []string {
	var out []string
	for _, m := range blockRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// Find returns the command of root whose path (e.g. "kubectl gitops images list") is
// path, or nil.
func Find(root *cobra.Command, path string) *cobra.Command {
	for _, c := range Commands(root) {
		if c.CommandPath() == path {
			return c
		}
	}
	return nil
}

// UpdatePage regenerates every flag table of page from root. A table naming a command
// that does not exist is an error.
func UpdatePage(page string, root *cobra.Command) (string, error) {
	var errs []string
	out := blockRE.ReplaceAllStringFunc(page, func(block string) string {
		path := blockRE.FindStringSubmatch(block)[1]
		c := Find(root, path)
		if c == nil {
			errs = append(errs, fmt.Sprintf("flag table of %q: no such command", path))
			return block
		}
		return beginMarker + path + " -->\n" + FlagTable(c) + endMarker
	})
	if len(errs) > 0 {
		return page, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}
