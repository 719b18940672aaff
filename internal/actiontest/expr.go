package actiontest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Contexts are the values expressions can read: contexts["inputs"]["command"].
// steps is read as steps.<id>.outputs.<name>, from Steps.
type Contexts struct {
	Values map[string]map[string]string
	Steps  map[string]map[string]string // step id → its outputs
}

// Interpolate replaces every ${{ expr }} in s by the expression's value as text.
func (c *Contexts) Interpolate(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("unterminated ${{ in %q", s)
		}
		b.WriteString(s[:i])
		v, err := c.Eval(s[i+3 : i+j])
		if err != nil {
			return "", err
		}
		b.WriteString(text(v))
		s = s[i+j+2:]
	}
}

// Condition evaluates an if: (with or without ${{ }}); "" is success().
func (c *Contexts) Condition(s string) (bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return true, nil
	}
	if strings.HasPrefix(s, "${{") && strings.HasSuffix(s, "}}") {
		s = s[3 : len(s)-2]
	}
	v, err := c.Eval(s)
	if err != nil {
		return false, err
	}
	return truthy(v), nil
}

// Eval evaluates one expression; values are string, bool, float64 or nil.
func (c *Contexts) Eval(src string) (any, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, c: c}
	v, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("expression %q: unexpected %q", src, toks[p.pos])
	}
	return v, nil
}

func lex(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		r := rune(s[i])
		switch {
		case unicode.IsSpace(r):
			i++
		case strings.HasPrefix(s[i:], "==") || strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			toks = append(toks, s[i:i+2])
			i += 2
		case strings.ContainsRune("!()", r):
			toks = append(toks, string(r))
			i++
		case r == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string in %q", s)
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-':
			j := i
			for j < len(s) && (isIdent(rune(s[j])) || s[j] == '.') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unsupported character %q in %q", r, s)
		}
	}
	return toks, nil
}

func isIdent(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' }

type parser struct {
	toks []string
	pos  int
	c    *Contexts
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) or() (any, error) {
	l, err := p.and()
	for err == nil && p.peek() == "||" {
		p.pos++
		var r any
		if r, err = p.and(); truthy(l) {
			continue
		}
		l = r
	}
	return l, err
}

func (p *parser) and() (any, error) {
	l, err := p.cmp()
	for err == nil && p.peek() == "&&" {
		p.pos++
		var r any
		if r, err = p.cmp(); !truthy(l) {
			continue
		}
		l = r
	}
	return l, err
}

func (p *parser) cmp() (any, error) {
	l, err := p.unary()
	for err == nil && (p.peek() == "==" || p.peek() == "!=") {
		op := p.toks[p.pos]
		p.pos++
		var r any
		if r, err = p.unary(); err == nil {
			l = equal(l, r) == (op == "==")
		}
	}
	return l, err
}

func (p *parser) unary() (any, error) {
	switch p.peek() {
	case "!":
		p.pos++
		v, err := p.unary()
		return !truthy(v), err
	case "(":
		p.pos++
		v, err := p.or()
		if err == nil && p.peek() != ")" {
			err = fmt.Errorf("missing )")
		}
		p.pos++
		return v, err
	case "":
		return nil, fmt.Errorf("unexpected end")
	}
	t := p.toks[p.pos]
	p.pos++
	switch {
	case strings.HasPrefix(t, "'"):
		return strings.ReplaceAll(t[1:len(t)-1], "''", "'"), nil
	case t == "true" || t == "false":
		return t == "true", nil
	case t == "null":
		return nil, nil
	case unicode.IsDigit(rune(t[0])):
		return strconv.ParseFloat(t, 64)
	}
	if p.peek() == "(" { // success(), always(), failure(): steps stop at the first failure
		p.pos++
		if p.peek() != ")" {
			return nil, fmt.Errorf("%s(): arguments are not supported", t)
		}
		p.pos++
		switch t {
		case "success", "always":
			return true, nil
		case "failure", "cancelled":
			return false, nil
		}
		return nil, fmt.Errorf("unsupported function %s()", t)
	}
	return p.c.lookup(t)
}

func (c *Contexts) lookup(path string) (any, error) {
	parts := strings.Split(path, ".")
	if parts[0] == "steps" {
		if len(parts) != 4 || parts[2] != "outputs" {
			return nil, fmt.Errorf("%s: only steps.<id>.outputs.<name> is supported", path)
		}
		return c.Steps[parts[1]][parts[3]], nil
	}
	ctx, ok := c.Values[parts[0]]
	if !ok {
		return nil, fmt.Errorf("unknown context %q in %s", parts[0], path)
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%s: only <context>.<name> is supported", path)
	}
	return ctx[parts[1]], nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	}
	return true
}

func equal(a, b any) bool {
	if as, ok := a.(string); ok {
		if bs, ok := b.(string); ok {
			return strings.EqualFold(as, bs) // GitHub compares strings ignoring case
		}
	}
	return text(a) == text(b)
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(v)
}
