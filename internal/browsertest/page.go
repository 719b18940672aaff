package browsertest

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// Page is a page as Chromium had it after the load event.
type Page struct {
	URL string
	// HTML is the DOM serialised by Chromium (--dump-dom): what the parser made of the
	// page, after any script ran, not the bytes the server sent.
	HTML string
	// Screenshot is the PNG's path, "" unless WithScreenshot was given.
	Screenshot string
	// Width and Height are the window's, in CSS pixels.
	Width, Height int
	// Took is how long Chromium ran, from start to exit.
	Took time.Duration

	t   testing.TB
	doc *html.Node
}

// Element is one element of a Page.
type Element struct {
	Tag   string
	Attrs map[string]string
	// Text is the element's text as Page.Text reads it.
	Text string
	Node *html.Node
}

// Text is the text of the page's body as a reader sees it, whitespace collapsed to single
// spaces: block elements (paragraphs, headings, list items, table cells, <br> …) separate
// words, inline ones (<b>, <a>, <code> …) do not; the text of <script>, <style>,
// <template>, <noscript> and elements with the hidden attribute is left out. The content of
// a closed <details> counts (one click shows it); check its open attribute to tell.
func (p *Page) Text() string {
	body := find(p.doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "body" })
	if body == nil {
		return ""
	}
	return nodeText(body)
}

// ElementsByTag returns the page's elements named tag (lower case, as "td"), in document
// order.
func (p *Page) ElementsByTag(tag string) []Element {
	var out []Element
	walk(p.doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, element(n))
		}
	})
	return out
}

// ElementByID returns the element whose id is id.
func (p *Page) ElementByID(id string) (Element, bool) {
	n := find(p.doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
	if n == nil {
		return Element{}, false
	}
	return element(n), true
}

// TextOf returns the text of the element whose id is id (as Text reads it); the test fails
// if there is none.
func (p *Page) TextOf(id string) string {
	p.t.Helper()
	e, ok := p.ElementByID(id)
	if !ok {
		p.t.Fatalf("browsertest: %s has no element with id %q", p.URL, id)
	}
	return e.Text
}

func element(n *html.Node) Element {
	attrs := make(map[string]string, len(n.Attr))
	for _, a := range n.Attr {
		attrs[a.Key] = a.Val
	}
	return Element{Tag: n.Data, Attrs: attrs, Text: nodeText(n), Node: n}
}

// notRendered are elements whose content a reader never sees.
var notRendered = map[string]bool{
	"head": true, "script": true, "style": true, "template": true, "noscript": true,
	"title": true, "meta": true, "link": true,
}

// blocks are elements that start on a new line (or cell), so their text never runs into
// the text around them.
var blocks = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true,
	"caption": true, "dd": true, "details": true, "dialog": true, "div": true, "dl": true,
	"dt": true, "fieldset": true, "figcaption": true, "figure": true, "footer": true,
	"form": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"header": true, "hr": true, "legend": true, "li": true, "main": true, "nav": true,
	"ol": true, "option": true, "p": true, "pre": true, "section": true, "summary": true,
	"table": true, "tbody": true, "td": true, "tfoot": true, "th": true, "thead": true,
	"tr": true, "ul": true,
}

// nodeText is the text of n's children as Page.Text reads it (n itself is read even when
// it is an element Page.Text leaves out, such as <title>).
func nodeText(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if notRendered[n.Data] || hasAttr(n, "hidden") {
				return
			}
		}
		block := n.Type == html.ElementNode && blocks[n.Data]
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		rec(c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := find(c, match); m != nil {
			return m
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
