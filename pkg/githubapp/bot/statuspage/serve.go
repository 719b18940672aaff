package statuspage

import (
	"bytes"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

//go:embed page.html.tmpl
var pageText string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"short": func(sha string) string {
		if len(sha) > 7 {
			return sha[:7]
		}
		return sha
	},
	"ago":       ago,
	"utc":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"driftText": driftText,
}).Parse(pageText))

// ServeHTTP answers GET and HEAD of "/" with the page; other paths get 404 and other
// methods 405, and nothing else happens.
func (b *Board) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, b.Snapshot()); err != nil {
		slog.Error("status page", "err", err)
		http.Error(w, "the status page could not be drawn", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// ago says how long ago t was, coarsely, as a person reads it.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// driftText is a drift state in words.
func driftText(d *Drift) string {
	switch {
	case d == nil || d.State == DriftUnknown:
		return "not checked"
	case d.State == InSync:
		return "in sync"
	case d.State == Drifted:
		return "in drift: " + plural(d.Objects, "object")
	case d.State == Unreachable:
		return "cluster unreachable"
	default:
		return "check failed"
	}
}
