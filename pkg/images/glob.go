package images

import (
	"fmt"
	"regexp"
	"strings"
)

// glob is a shell-style pattern: '*' matches any run of characters (including '/'),
// '?' one character, '[...]' a class; everything else is literal. It is used for image
// include/exclude lists and glob tag policies, as in Flux v1.
type glob struct {
	pattern string
	re      *regexp.Regexp
}

func compileGlob(pattern string) (*glob, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty glob")
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(pattern[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("invalid glob %q: unclosed '['", pattern)
			}
			class := pattern[i+1 : i+1+j]
			if class == "" {
				return nil, fmt.Errorf("invalid glob %q: empty '[]'", pattern)
			}
			if class[0] == '!' {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteString(regexp.QuoteMeta(string(pattern[i])))
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid glob %q: %w", pattern, err)
	}
	return &glob{pattern: pattern, re: re}, nil
}

func (g *glob) match(s string) bool { return g.re.MatchString(s) }

func (g *glob) String() string { return g.pattern }
