package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces every redacted value.
const Mask = "(masked)"

// MinSubstringLen is the shortest value replaced wherever it occurs. A shorter value
// (1 to 3 bytes: a PIN, "on", "1") is still replaced, but only where it stands as a
// whole word — not inside a longer word or number — so that it cannot leak as a token
// while ordinary text around it survives. Its encodings (base64 is 4 bytes or more) are
// replaced anywhere.
const MinSubstringLen = 4

// Redactor replaces known secret values in text. It is safe for concurrent use, and
// a nil *Redactor redacts nothing.
type Redactor struct {
	mu       sync.Mutex
	values   map[string]bool
	replacer *strings.Replacer // for values of MinSubstringLen or more; nil when stale
	short    []string          // values shorter than MinSubstringLen, longest first
}

// New returns an empty Redactor.
func New() *Redactor { return &Redactor{values: map[string]bool{}} }

// Add registers secret values: each value, its base64 encoding (also cut in lines of
// 64, 70 or 76 bytes), its JSON and Go string escapes, and each line of a multi-line value. Values that are empty or only
// whitespace are ignored.
func (r *Redactor) Add(values ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		for _, f := range forms(v) {
			if strings.TrimSpace(f) == "" || r.values[f] {
				continue
			}
			r.values[f] = true
			r.replacer = nil
		}
	}
}

// forms are the ways a message may quote v.
func forms(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(v))
	out := []string{v, b64}
	// Long base64 is printed in lines: 70 bytes by Kustomize, 64 (PEM) or 76 (MIME) by others.
	for _, width := range []int{64, 70, 76} {
		for i := 0; len(b64) > width && i < len(b64); i += width {
			out = append(out, b64[i:min(i+width, len(b64))])
		}
	}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, unquote(string(b)))
	}
	out = append(out, unquote(strconv.Quote(v)))
	if !utf8.ValidString(v) {
		out = append(out, strings.Trim(fmt.Sprint([]byte(v)), "[]")) // printed with %v of []byte
	}
	if strings.Contains(v, "\n") {
		// Multi-line messages are folded into one line, line by line.
		for _, l := range strings.Split(v, "\n") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// unquote drops the quotes around a quoted string, keeping escaped quotes inside.
func unquote(q string) string { return q[1 : len(q)-1] }

// String returns s with every registered value replaced by Mask.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	rep, short := r.compiled()
	if rep != nil {
		s = rep.Replace(s)
	}
	for _, v := range short {
		s = replaceWord(s, v)
	}
	return s
}

// Empty reports whether no value is registered.
func (r *Redactor) Empty() bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.values) == 0
}

func (r *Redactor) compiled() (*strings.Replacer, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer != nil || len(r.values) == 0 {
		return r.replacer, r.short
	}
	var long []string
	r.short = r.short[:0]
	for v := range r.values {
		if len(v) >= MinSubstringLen {
			long = append(long, v)
		} else {
			r.short = append(r.short, v)
		}
	}
	// Longest first: a value containing another is replaced whole (the Replacer tries
	// its arguments in order at each position).
	byLength := func(l []string) {
		sort.Slice(l, func(i, j int) bool {
			if len(l[i]) != len(l[j]) {
				return len(l[i]) > len(l[j])
			}
			return l[i] < l[j]
		})
	}
	byLength(long)
	byLength(r.short)
	pairs := make([]string, 0, 2*len(long))
	for _, v := range long {
		pairs = append(pairs, v, Mask)
	}
	r.replacer = strings.NewReplacer(pairs...)
	return r.replacer, append([]string(nil), r.short...)
}

// replaceWord replaces v in s where it is not part of a longer word: the byte before
// and the byte after it are not letters or digits (or v's own first or last byte is not).
func replaceWord(s, v string) string {
	var b strings.Builder
	done := 0 // s[:done] is written to b or skipped
	for from := 0; ; {
		i := strings.Index(s[from:], v)
		if i < 0 {
			break
		}
		start, end := from+i, from+i+len(v)
		if (start == 0 || !isWord(v[0]) || !isWord(s[start-1])) &&
			(end == len(s) || !isWord(v[len(v)-1]) || !isWord(s[end])) {
			b.WriteString(s[done:start])
			b.WriteString(Mask)
			done = end
		}
		from = end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}
