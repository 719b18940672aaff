package images

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Order is how a regex policy compares the values it extracts from tags.
type Order string

const (
	// OrderNumerical compares extracted values as numbers (integers of any length, or
	// decimals); tags whose value is not a number are not candidates.
	OrderNumerical Order = "numerical"
	// OrderAlphabetical compares extracted values as strings.
	OrderAlphabetical Order = "alphabetical"
	// OrderNatural compares digit runs as numbers and the rest as strings; "latest" is
	// never a candidate. It is the order of Flux v1 "regex:" annotations.
	OrderNatural Order = "natural"
)

// RegexOptions configure a regex policy.
type RegexOptions struct {
	// Extract is the value to order by, built from the match: a group name ("ts"),
	// or a template ("$ts", "${major}${minor}"). Empty means the pattern's only named
	// group, or, with OrderNatural only, the whole tag.
	Extract string
	// Order defaults to OrderNatural.
	Order Order
	// Descending makes the smallest value the newest (e.g. countdown tags).
	Descending bool
}

// RegexPolicy allows tags matching a regular expression and orders them by a value
// extracted from named groups ("sortable tags", e.g. main-<sha>-<timestamp>).
type RegexPolicy struct {
	Pattern string
	RegexOptions
	re       *regexp.Regexp
	template string // "" means the whole tag
}

// NewRegex compiles pattern (RE2 syntax, named groups as (?P<name>...)). Ordering by
// number or alphabet needs a named group to extract; its absence is an error.
func NewRegex(pattern string, opts RegexOptions) (*RegexPolicy, error) {
	if pattern == "" {
		return nil, fmt.Errorf("invalid regex: empty pattern")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %w", pattern, err)
	}
	if opts.Order == "" {
		opts.Order = OrderNatural
	}
	switch opts.Order {
	case OrderNatural, OrderNumerical, OrderAlphabetical:
	default:
		return nil, fmt.Errorf("invalid regex order %q: want numerical, alphabetical or natural", opts.Order)
	}
	p := &RegexPolicy{Pattern: pattern, RegexOptions: opts, re: re}
	var named []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			named = append(named, n)
		}
	}
	switch {
	case opts.Extract != "":
		p.template = opts.Extract
		if !strings.Contains(p.template, "$") {
			p.template = "${" + p.template + "}"
		}
		if err := checkTemplate(re, p.template); err != nil {
			return nil, fmt.Errorf("invalid regex extract %q for pattern %q: %w", opts.Extract, pattern, err)
		}
	case len(named) == 1:
		p.template = "${" + named[0] + "}"
	case len(named) > 1:
		return nil, fmt.Errorf("regex %q has %d named groups (%s): set extract to say which to order by",
			pattern, len(named), strings.Join(named, ", "))
	case opts.Order != OrderNatural:
		return nil, fmt.Errorf("regex %q has no named group to order %s by: add one, e.g. (?P<ts>[0-9]+), and extract: ts",
			pattern, opts.Order)
	}
	return p, nil
}

// checkTemplate verifies that every $name / ${name} / $n in tmpl names a group of re.
func checkTemplate(re *regexp.Regexp, tmpl string) error {
	names := map[string]bool{}
	var all []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			names[n] = true
			all = append(all, n)
		}
	}
	refs := 0
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '$' || i+1 >= len(tmpl) {
			continue
		}
		var ref string
		if tmpl[i+1] == '$' {
			i++
			continue
		}
		if tmpl[i+1] == '{' {
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return fmt.Errorf("unclosed ${")
			}
			ref = tmpl[i+2 : i+end]
			i += end
		} else {
			j := i + 1
			for j < len(tmpl) && (isDigit(tmpl[j]) || tmpl[j] == '_' || tmpl[j] >= 'a' && tmpl[j] <= 'z' || tmpl[j] >= 'A' && tmpl[j] <= 'Z') {
				j++
			}
			ref = tmpl[i+1 : j]
			i = j - 1
		}
		refs++
		if n, err := strconv.Atoi(ref); err == nil {
			if n < 0 || n > re.NumSubexp() {
				return fmt.Errorf("group $%d does not exist (the pattern has %d groups)", n, re.NumSubexp())
			}
			continue
		}
		if !names[ref] {
			if len(all) == 0 {
				return fmt.Errorf("the pattern has no named group %q: add (?P<%s>...)", ref, ref)
			}
			return fmt.Errorf("the pattern has no named group %q (it has: %s)", ref, strings.Join(all, ", "))
		}
	}
	if refs == 0 {
		return fmt.Errorf("names no group")
	}
	return nil
}

func (p *RegexPolicy) Candidates(tags []string) []string {
	items := make([]keyed[string], 0, len(tags))
	for _, t := range dedupe(tags) {
		m := p.re.FindStringSubmatchIndex(t)
		if m == nil {
			continue
		}
		v := t
		if p.template != "" {
			v = string(p.re.ExpandString(nil, p.template, t, m))
		}
		switch p.Order {
		case OrderNumerical:
			if !isNumber(v) {
				continue
			}
		case OrderNatural:
			if t == "latest" {
				continue
			}
		}
		items = append(items, keyed[string]{tag: t, key: v})
	}
	cmp := p.compare
	if p.Descending {
		cmp = func(a, b string) int { return p.compare(b, a) }
	}
	return sortNewestFirst(items, cmp)
}

func (p *RegexPolicy) compare(a, b string) int {
	switch p.Order {
	case OrderNumerical:
		c, _ := compareNumbers(a, b)
		return c
	case OrderAlphabetical:
		return strings.Compare(a, b)
	}
	return naturalCompare(a, b)
}

func (p *RegexPolicy) String() string {
	s := "regex:" + p.Pattern
	if p.Extract != "" || p.Order != OrderNatural || p.Descending {
		dir := "asc"
		if p.Descending {
			dir = "desc"
		}
		s += fmt.Sprintf(" (extract %s, %s %s)", p.extractName(), p.Order, dir)
	}
	return s
}

func (p *RegexPolicy) extractName() string {
	if p.template == "" {
		return "tag"
	}
	return p.template
}
