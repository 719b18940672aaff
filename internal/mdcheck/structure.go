package mdcheck

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	gmtext "github.com/yuin/goldmark/text"
)

// Heading is a heading of a document: its level (1 to 6) and its text.
type Heading struct {
	Level int
	Text  string
}

// Outline is the structure a reader of a rendered document relies on.
type Outline struct {
	// Headings in document order.
	Headings []Heading
	// Links are the destinations of the links, in document order.
	Links []string
	// HTML is the document rendered as GitHub renders it (GFM, raw HTML kept).
	HTML string
}

// rawTagRE finds the tags of raw HTML; the writers write only these, and only to
// collapse a block: <details>, its <summary> and inline <code> inside it.
var (
	rawTagRE       = regexp.MustCompile(`</?([A-Za-z][A-Za-z0-9-]*)[^>]*>`)
	allowedRawTags = map[string]bool{"details": true, "summary": true, "code": true}
)

// Structure renders md and returns its outline, and what is wrong with its structure:
// a code block left open (it would swallow the rest of the page), a <details> left
// open or closed twice, raw HTML other than <details>, <summary> and <code> (raw
// HTML anywhere else shows as tags or changes the page), and an HTML comment that
// matches none of comments (a sticky comment's marker).
func Structure(md string, comments ...*regexp.Regexp) (Outline, []string) {
	var problems []string
	src := []byte(md)
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))
	doc := gm.Parser().Parse(gmtext.NewReader(src))
	var o Outline
	open := 0
	raw := func(s string) {
		for _, m := range rawTagRE.FindAllStringSubmatch(s, -1) {
			tag := strings.ToLower(m[1])
			if strings.HasPrefix(m[0], "<!") {
				continue
			}
			if !allowedRawTags[tag] {
				problems = append(problems, fmt.Sprintf("raw HTML %q outside a <details> block's tags", m[0]))
				continue
			}
			if tag == "details" {
				if strings.HasPrefix(m[0], "</") {
					open--
				} else {
					open++
				}
				if open < 0 {
					problems = append(problems, "a </details> closes nothing")
					open = 0
				}
			}
		}
		for _, c := range regexp.MustCompile(`(?s)<!--(.*?)-->`).FindAllStringSubmatch(s, -1) {
			ok := false
			for _, re := range comments {
				ok = ok || re.MatchString(c[1])
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("an HTML comment <!--%s-->", c[1]))
			}
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			o.Headings = append(o.Headings, Heading{Level: n.Level, Text: nodeText(n, src)})
		case *ast.Link:
			o.Links = append(o.Links, string(n.Destination))
		case *ast.AutoLink:
			o.Links = append(o.Links, string(n.URL(src)))
		case *ast.HTMLBlock:
			var b strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				b.Write(seg.Value(src))
			}
			if n.HasClosure() {
				b.Write(n.ClosureLine.Value(src))
			}
			raw(b.String())
		case *ast.RawHTML:
			var b strings.Builder
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				b.Write(seg.Value(src))
			}
			raw(b.String())
		case *ast.FencedCodeBlock:
			if !fenceClosed(n, src) {
				problems = append(problems, fmt.Sprintf("a code block opened at byte %d is never closed", n.Info.Segment.Start))
			}
		}
		return ast.WalkContinue, nil
	})
	if open > 0 {
		problems = append(problems, fmt.Sprintf("%d <details> left open", open))
	}
	var out bytes.Buffer
	if err := gm.Renderer().Render(&out, src, doc); err != nil {
		problems = append(problems, fmt.Sprintf("render: %v", err))
	}
	o.HTML = out.String()
	return o, problems
}

// fenceClosed reports whether a fenced code block ends with a closing fence rather
// than at the end of its container (which an unclosed fence runs to).
func fenceClosed(n *ast.FencedCodeBlock, src []byte) bool {
	// The opening fence's line starts before the info string (or the end of line).
	start := 0
	if n.Info != nil {
		start = n.Info.Segment.Start
	} else if n.Lines().Len() > 0 {
		start = n.Lines().At(0).Start - 1
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	opening := strings.TrimLeft(string(src[lineStart:start]), " >-*+0123456789.")
	fence := strings.TrimRight(opening, " \t")
	if fence == "" {
		return false
	}
	end := start
	if l := n.Lines(); l.Len() > 0 {
		end = l.At(l.Len() - 1).Stop
	} else if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		end = start + i + 1
	}
	// The next non-empty line must be a fence at least as long, of the same character.
	rest := src[end:]
	for _, line := range strings.Split(string(rest), "\n") {
		t := strings.TrimSpace(line)
		if t == "" && len(rest) > 0 {
			continue
		}
		return len(t) >= len(fence) && strings.Trim(t, fence[:1]) == ""
	}
	return false
}

// nodeText is the text of n's inline children.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			if t, ok := c.(*ast.Text); ok {
				b.Write(t.Segment.Value(src))
			} else if s, ok := c.(*ast.String); ok {
				b.Write(s.Value)
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
