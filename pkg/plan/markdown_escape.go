package plan

import (
	"fmt"
	"regexp"
	"strings"
)

// Untrusted text in Markdown.
//
// Everything a repository says (object names, namespaces, kinds, file paths, error
// messages, target and image names, policies) is untrusted: a pull request from a fork
// writes it. In a GitHub comment or pull request body it must show as written and do
// nothing else: not ping people, not link anywhere, not change the layout around it.
// MarkdownText is the one function that makes text so; MarkdownCode puts a value in a
// code span instead, where GitHub neither mentions nor links.

// zwsp is the zero-width space MarkdownText puts where GitHub would otherwise find
// a mention, an autolink or an issue reference.
const zwsp = "\u200b"

// mdEscaper backslash-escapes the ASCII punctuation that could start Markdown or HTML
// inline syntax (emphasis, code, links and images, autolinks and HTML in <...>,
// entities, strikethrough, math), the table cell separator, and the heading marker.
// "@" and "://" get a zero-width space (see MarkdownText).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `!`, `\!`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`, `#`, `\#`, `&`, `\&`, `$`, `\$`,
	`@`, `@`+zwsp, `://`, `:`+zwsp+`//`,
)

var (
	// wwwRE is the start of an extended www autolink.
	wwwRE = regexp.MustCompile(`(?i)\bwww\.`)
	// issueRE is an issue reference: #12 (escaped: \#12), GH-12.
	issueRE = regexp.MustCompile(`(?i)(\\#|\bGH-)([0-9])`)
	// blockStartRE is what would start a list, a heading or a thematic break at the
	// start of a line; the other block markers (#, >, |, `, ~, <) are escaped anyway.
	blockStartRE = regexp.MustCompile(`^(?:[-+=]|[0-9]+[.)])`)
)

// MarkdownText is untrusted s as inline Markdown text on one line that GitHub shows as
// written (line breaks become spaces) and that does nothing else:
//
//   - Markdown and HTML syntax is backslash-escaped, so s cannot open a link, an
//     image, emphasis, a code span or HTML (e.g. a <!-- that would hide a sticky
//     comment's marker), close a table cell, or start a list or heading.
//   - A zero-width space (U+200B) follows every "@": neither a mention (@user,
//     @org/team) nor an e-mail autolink forms. GitHub finds mentions after rendering,
//     in the text of the HTML, so a backslash (\@) or an HTML entity (&#64;) does not
//     help: both are decoded first and still mention (github/markup#1168,
//     github/cmark-gfm#181). The zero-width space is what Renovate (sanitizeMarkdown:
//     "@&#8203;") and Dependabot (dependabot-core#3157, which also found that a code
//     span does not stop the mention in an e-mail reply) insert.
//   - A zero-width space also breaks "://" and "www." (GFM's extended autolinks), and
//     follows "#" or "GH-" before a digit (issue references, which notify the issue).
//   - Control and bidirectional formatting characters are dropped.
//
// Inside a code span (MarkdownCode) or a code block text is inert already.
func MarkdownText(s string) string {
	s = mdEscaper.Replace(oneLine(strings.Map(dropInvisible, cleanText(s))))
	if m := blockStartRE.FindString(s); m != "" {
		s = m[:len(m)-1] + `\` + s[len(m)-1:]
	}
	s = wwwRE.ReplaceAllStringFunc(s, func(w string) string { return w[:3] + zwsp + w[3:] })
	return issueRE.ReplaceAllString(s, "${1}"+zwsp+"${2}")
}

// dropInvisible drops the bidirectional formatting characters, which reorder what a
// reader sees ("Trojan Source").
func dropInvisible(r rune) rune {
	if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f {
		return -1
	}
	return r
}

// MarkdownCode is s as an inline code span on one line: a backtick fence longer than
// any run of backticks in s, so s cannot end it. GitHub neither mentions nor links in
// code. In a table cell, wrap it in MarkdownTableCell.
func MarkdownCode(s string) string {
	s = oneLine(strings.Map(dropInvisible, cleanText(s)))
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// MarkdownTableCell escapes the table cell separator in Markdown s (a code span, a
// link) for a table cell: GitHub splits cells before it parses code spans. Text from
// MarkdownText needs nothing more.
func MarkdownTableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// MarkdownLink is a link to u with label, which is Markdown already (MarkdownCode or
// MarkdownText of untrusted text).
func MarkdownLink(label, u string) string { return "[" + label + "](" + mdURL(u) + ")" }

// mdURL percent-encodes what could end a Markdown link destination or change how it
// is read: spaces and control characters, parentheses, angle brackets, backslashes
// (which Markdown would take as escapes), backticks, quotes, and bytes beyond ASCII.
func mdURL(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>\\`\"'|", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
