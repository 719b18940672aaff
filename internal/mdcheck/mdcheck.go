package mdcheck

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options say what a writer may produce.
type Options struct {
	// LinkHosts are the hosts links may go to (the writer's own links to files);
	// any other link, autolinks included, is a problem.
	LinkHosts []string
	// Value is an untrusted value the writer was given in every field. Wherever its
	// first word shows, the element that shows it must show all of it as text (with
	// white space collapsed): a value that closed a table cell, opened a link or
	// injected HTML does not. Some element must show it.
	Value string
	// Comments are patterns HTML comments must match (the marker of a sticky
	// comment); any other comment is a problem.
	Comments []*regexp.Regexp
}

// elements the writers write on purpose (with the ones CommonMark makes).
var allowed = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Blockquote: true, atom.Strong: true, atom.Em: true,
	atom.Code: true, atom.Pre: true, atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tr: true,
	atom.Th: true, atom.Td: true, atom.Details: true, atom.Summary: true, atom.A: true, atom.Br: true, atom.Hr: true,
}

var (
	// GitHub's mention rule: @ after the start or a character that is not a word
	// character, then a login (or org/team).
	mentionRE = regexp.MustCompile("(?:^|[^A-Za-z0-9_`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9-]*)?")
	// What GitHub links in text: URLs (cmark-gfm's extended autolinks), e-mail
	// addresses, issue references.
	urlRE   = regexp.MustCompile(`(?i)(?:https?|ftp)://|www\.|[A-Za-z0-9._+-]@[A-Za-z0-9-]+\.[A-Za-z]|(?:^|[^A-Za-z0-9_&])#[0-9]|\bGH-[0-9]`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// Check returns what is wrong with md; nil when nothing is.
func Check(md string, o Options) []string {
	var out bytes.Buffer
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))
	if err := gm.Convert([]byte(md), &out); err != nil {
		return []string{fmt.Sprintf("render: %v", err)}
	}
	root, err := html.Parse(&out)
	if err != nil {
		return []string{fmt.Sprintf("parse the HTML: %v", err)}
	}
	c := &checker{o: o}
	if o.Value != "" {
		c.whole = visible(o.Value)
		c.first = strings.Fields(c.whole)[0]
	}
	c.walk(root, false)
	if c.whole != "" && !c.seen {
		c.add("the value %q does not show whole anywhere", c.whole)
	}
	return c.problems
}

type checker struct {
	o            Options
	whole, first string
	seen         bool // an element shows the whole value
	problems     []string
}

func (c *checker) add(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// walk visits n; quiet is true inside the elements GitHub leaves alone (links, code).
func (c *checker) walk(n *html.Node, quiet bool) {
	switch n.Type {
	case html.TextNode:
		if quiet {
			break
		}
		t := n.Data
		if m := mentionRE.FindString(t); m != "" {
			c.add("a mention %q in text %q", strings.TrimSpace(m), t)
		}
		if m := urlRE.FindString(t); m != "" {
			c.add("a link in the making %q in text %q", m, t)
		}
	case html.CommentNode:
		ok := false
		for _, re := range c.o.Comments {
			ok = ok || re.MatchString(n.Data)
		}
		if !ok {
			c.add("an HTML comment <!--%s-->", n.Data)
		}
	case html.ElementNode:
		if n.DataAtom != atom.Html && n.DataAtom != atom.Head && n.DataAtom != atom.Body && !allowed[n.DataAtom] {
			c.add("an element <%s> the writer does not write", n.Data)
		}
		if n.DataAtom == atom.A {
			c.link(n)
		}
		if n.DataAtom == atom.A || n.DataAtom == atom.Code || n.DataAtom == atom.Pre {
			quiet = true
		}
		c.whole_(n)
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.walk(ch, quiet)
	}
}

func (c *checker) link(n *html.Node) {
	href := ""
	for _, a := range n.Attr {
		if a.Key == "href" {
			href = a.Val
		}
	}
	u, err := url.Parse(href)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !slices.Contains(c.o.LinkHosts, u.Host) {
		c.add("a link to %q (text %q)", href, text(n))
	}
}

// whole_ checks that an element showing the value's first word shows all of it.
// Only the innermost elements that show it are checked: a list item also shows a
// nested paragraph's text.
func (c *checker) whole_(n *html.Node) {
	if c.first == "" {
		return
	}
	switch n.DataAtom {
	case atom.P, atom.Li, atom.Td, atom.Th, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Summary, atom.Code, atom.Pre:
	default:
		return
	}
	t := visible(text(n))
	c.seen = c.seen || strings.Contains(t, c.whole)
	if !strings.Contains(t, c.first) {
		return
	}
	if strings.Count(t, c.first) > strings.Count(t, c.whole) {
		c.add("<%s> shows the value cut or changed: %q", n.Data, t)
	}
}

// text is the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			rec(ch)
		}
	}
	rec(n)
	return b.String()
}

// visible is what a reader sees of s: zero-width characters dropped, white space
// collapsed.
func visible(s string) string {
	s = strings.NewReplacer("\u200b", "", "\u2060", "", "\u200d", "").Replace(s)
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}
