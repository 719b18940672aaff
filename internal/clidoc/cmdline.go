package clidoc

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// Line is a command line found in Markdown, with the line of the file it starts on.
type Line struct {
	No   int
	Text string
}

var codeSpanRE = regexp.MustCompile("`([^`\n]+)`")

// Lines returns the command lines of markdown that start with prefix (e.g.
// "kubectl gitops"): lines of fenced code blocks (a leading "$ " dropped, lines ending
// in a backslash joined with the next) and inline code spans.
func Lines(markdown, prefix string) []Line {
	var out []Line
	inFence := false
	var pending *Line
	for i, raw := range strings.Split(markdown, "\n") {
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
			pending = nil
			continue
		}
		if inFence {
			if pending != nil {
				pending.Text += " " + strings.TrimSuffix(trimmed, `\`)
				if !strings.HasSuffix(trimmed, `\`) {
					out, pending = append(out, *pending), nil
				}
				continue
			}
			text := strings.TrimPrefix(trimmed, "$ ")
			if !startsWith(text, prefix) {
				continue
			}
			if strings.HasSuffix(text, `\`) {
				pending = &Line{No: i + 1, Text: strings.TrimSuffix(text, `\`)}
				continue
			}
			out = append(out, Line{No: i + 1, Text: text})
			continue
		}
		for _, m := range codeSpanRE.FindAllStringSubmatch(raw, -1) {
			if startsWith(m[1], prefix) {
				out = append(out, Line{No: i + 1, Text: m[1]})
			}
		}
	}
	return out
}

func startsWith(text, prefix string) bool {
	return text == prefix || strings.HasPrefix(text, prefix+" ")
}

// shellEnd are the words after which a command line is no longer the command's.
var shellEnd = map[string]bool{"|": true, "||": true, "&&": true, ";": true, ">": true, ">>": true, "2>": true, "#": true, "<": true}

// Check checks a command line against root: after its first skip words (the program's
// name: 2 for "kubectl gitops"), the command it names must exist and so must every
// flag it gives (the command's own or inherited, long or short). A word with <TAB>
// ends the line (where a completion example stops).
func Check(root *cobra.Command, skip int, line string) error {
	words := strings.Fields(line)
	if len(words) < skip {
		return fmt.Errorf("%q: too short", line)
	}
	words = words[skip:]
	for i, w := range words {
		if shellEnd[w] || strings.HasPrefix(w, "#") || strings.Contains(w, "<TAB>") {
			words = words[:i]
			break
		}
	}
	c, _, err := root.Find(words)
	if err != nil {
		return fmt.Errorf("%q: %w", line, err)
	}
	c.InitDefaultHelpFlag() // what Execute adds
	if !c.HasParent() {
		c.InitDefaultVersionFlag()
	}
	var errs []string
	takesValue := false
	for _, w := range words {
		if takesValue {
			takesValue = false
			continue
		}
		if w == "--" || !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		var found bool
		if strings.HasPrefix(w, "--") {
			f := c.Flag(name)
			found = f != nil
			takesValue = found && !hasValue && f.NoOptDefVal == ""
		} else {
			f := c.Flags().ShorthandLookup(name[:1])
			if f == nil {
				f = c.InheritedFlags().ShorthandLookup(name[:1])
			}
			found = f != nil
			takesValue = found && len(name) == 1 && !hasValue && f.NoOptDefVal == ""
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s has no flag %s", c.CommandPath(), w))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%q: %s", line, strings.Join(errs, "; "))
	}
	return nil
}
