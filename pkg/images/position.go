package images

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// span is where a scalar's content sits in a file: data[start:end] == the scalar's value.
// quote is the quote character of a quoted scalar, 0 for a plain one.
type span struct {
	start, end int
	quote      byte
}

// lineIndex holds the byte offset of the start of each line.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// offset converts yaml.v3's 1-based line and 1-based column (counted in characters)
// into a byte offset.
func (li lineIndex) offset(data []byte, line, col int) (int, error) {
	if line < 1 || line > len(li) || col < 1 {
		return 0, fmt.Errorf("position %d:%d out of range", line, col)
	}
	off := li[line-1]
	for c := 1; c < col; c++ {
		if off >= len(data) || data[off] == '\n' {
			return 0, fmt.Errorf("position %d:%d past end of line", line, col)
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off, nil
}

// scalarSpan finds the bytes of scalar node n in data. Only single-line plain, single-
// and double-quoted scalars whose bytes equal their value (no escapes) can be rewritten
// in place; anything else is an error naming the position.
func scalarSpan(data []byte, li lineIndex, n *yaml.Node) (span, error) {
	if n.Kind != yaml.ScalarNode {
		return span{}, fmt.Errorf("line %d: not a scalar", n.Line)
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return span{}, fmt.Errorf("line %d: block scalar (| or >) cannot be rewritten in place", n.Line)
	}
	off, err := li.offset(data, n.Line, n.Column)
	if err != nil {
		return span{}, err
	}
	lineEnd := len(data)
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		lineEnd = off + i
	}
	text := skipProperties(data[off:lineEnd])
	start := off + (lineEnd - off - len(text))
	val := []byte(n.Value)
	var q byte
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		q = '"'
	case n.Style&yaml.SingleQuotedStyle != 0:
		q = '\''
	}
	if q != 0 {
		if len(text) < len(val)+2 || text[0] != q || !bytes.Equal(text[1:1+len(val)], val) || text[1+len(val)] != q {
			return span{}, fmt.Errorf("line %d: quoted value %q spans lines or uses escapes; cannot rewrite in place", n.Line, n.Value)
		}
		return span{start: start + 1, end: start + 1 + len(val), quote: q}, nil
	}
	if len(val) == 0 || !bytes.HasPrefix(text, val) {
		return span{}, fmt.Errorf("line %d: value %q spans lines; cannot rewrite in place", n.Line, n.Value)
	}
	return span{start: start, end: start + len(val)}, nil
}

// skipProperties skips a node's anchor (&name) and tag (!tag, !!str, !<...>), which the
// parser's position includes, and the blanks after them: what is left starts with the
// scalar itself.
func skipProperties(text []byte) []byte {
	for len(text) > 0 && (text[0] == '&' || text[0] == '!') {
		i := bytes.IndexAny(text, " \t")
		if i < 0 {
			return nil
		}
		text = bytes.TrimLeft(text[i:], " \t")
	}
	return text
}
