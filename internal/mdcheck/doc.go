// Package mdcheck is for tests: it renders Markdown the way GitHub does (CommonMark
// with the GFM extensions, autolinks included, then HTML) and inspects the result as
// GitHub's post-processing does, on the HTML tree: @mentions, team mentions, issue
// references and URLs found in text outside links and code, links, HTML the writer
// did not mean to write, and untrusted values that did not come out whole (Check);
// and the structure a reader relies on: headings, links, code blocks and <details>
// closed, no raw HTML but theirs (Structure).
package mdcheck
