package mdcheck

import "html"

// gitHubCSS is close enough to GitHub's comment style (its markdown-body) for a
// person to judge a rendered comment: fonts, headings, tables, code, <details>.
const gitHubCSS = `
body{margin:0;background:#fff;color:#1f2328;font:14px/1.5 -apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif}
.comment{max-width:880px;margin:16px auto;border:1px solid #d1d9e0;border-radius:6px}
.comment-head{background:#f6f8fa;border-bottom:1px solid #d1d9e0;padding:8px 16px;color:#59636e;border-radius:6px 6px 0 0}
.markdown-body{padding:16px;overflow-wrap:break-word}
.markdown-body>*:first-child{margin-top:0}
h1,h2,h3,h4{margin:24px 0 16px;font-weight:600;line-height:1.25}
h2{font-size:1.5em;padding-bottom:.3em;border-bottom:1px solid #d1d9e0}
h3{font-size:1.25em} h4{font-size:1em}
p,ul,table,pre,details{margin:0 0 16px}
ul{padding-left:2em}
a{color:#0969da;text-decoration:none}
code{font:85% ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#818b981f;padding:.2em .4em;border-radius:6px}
pre{background:#f6f8fa;padding:16px;border-radius:6px;overflow:auto;font-size:85%;line-height:1.45}
pre code{background:none;padding:0;font-size:100%}
table{border-collapse:collapse;display:block;overflow:auto;max-width:100%}
th,td{border:1px solid #d1d9e0;padding:6px 13px}
tr:nth-child(2n){background:#f6f8fa}
summary{cursor:pointer}
blockquote{margin:0 0 16px;padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
hr{border:0;height:.25em;background:#d1d9e0;margin:24px 0}
`

// GitHubPage is a whole HTML page showing body (HTML, as Structure renders it) as
// GitHub shows a comment, for a person to look at in a browser or a screenshot.
func GitHubPage(title, body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
		"<title>" + html.EscapeString(title) + "</title><style>" + gitHubCSS + `</style></head><body>` +
		`<div class="comment"><div class="comment-head"><b>kubectl-gitops</b> <span>bot</span> commented</div>` +
		`<div class="markdown-body">` + body + `</div></div></body></html>`
}
