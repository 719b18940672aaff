package images

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// span is where a scalar's content sits in a file: data[start:end] == the scalar's value.
// quote is the quote character of a quoted scalar, 0 for a plain one.
type span struct {
	start, end int
	quote      byte
}

// lineIndex maps the YAML parser's lines to bytes and to the file's lines: YAML also
// breaks lines at a lone '\r' and at NEL, LS and PS, which people, git and editors do not.
type lineIndex struct {
	start []int // byte offset of each YAML line
	line  []int // the file's line ('\n'-counted, 1-based) of each YAML line
}

func newLineIndex(data []byte) lineIndex {
	li := lineIndex{start: []int{0}, line: []int{1}}
	line := 1
	for i := 0; i < len(data); {
		n := manifest.YAMLBreakLen(data[i:])
		if n == 0 {
			i++
			continue
		}
		if data[i+n-1] == '\n' {
			line++
		}
		i += n
		li.start = append(li.start, i)
		li.line = append(li.line, line)
	}
	return li
}

// fileLine is the file's line of the parser's line yamlLine.
func (li lineIndex) fileLine(yamlLine int) int {
	if yamlLine < 1 || yamlLine > len(li.line) {
		return yamlLine
	}
	return li.line[yamlLine-1]
}

// offset converts yaml.v3's 1-based line and 1-based column (counted in characters)
// into a byte offset.
func (li lineIndex) offset(data []byte, line, col int) (int, error) {
	if line < 1 || line > len(li.start) || col < 1 {
		return 0, fmt.Errorf("position %d:%d out of range", li.fileLine(line), col)
	}
	off := li.start[line-1]
	for c := 1; c < col; c++ {
		if off >= len(data) || manifest.YAMLBreakLen(data[off:]) > 0 {
			return 0, fmt.Errorf("position %d:%d past end of line", li.fileLine(line), col)
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off, nil
}

// lineEnd is the offset of the first YAML line break at or after off, or len(data).
func lineEnd(data []byte, off int) int {
	for ; off < len(data); off++ {
		if manifest.YAMLBreakLen(data[off:]) > 0 {
			return off
		}
	}
	return off
}

// scalarSpan finds the bytes of scalar node n in data. Only single-line plain, single-
// and double-quoted scalars whose bytes equal their value (no escapes) can be rewritten
// in place; anything else is an error naming the position.
func scalarSpan(data []byte, li lineIndex, n *yaml.Node) (span, error) {
	if n.Kind != yaml.ScalarNode {
		return span{}, fmt.Errorf("line %d: not a scalar", li.fileLine(n.Line))
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return span{}, fmt.Errorf("line %d: block scalar (| or >) cannot be rewritten in place", li.fileLine(n.Line))
	}
	off, err := li.offset(data, n.Line, n.Column)
	if err != nil {
		return span{}, err
	}
	end := lineEnd(data, off)
	text := skipProperties(data[off:end])
	start := end - len(text)
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
			return span{}, fmt.Errorf("line %d: quoted value %q spans lines or uses escapes; cannot rewrite in place", li.fileLine(n.Line), n.Value)
		}
		return span{start: start + 1, end: start + 1 + len(val), quote: q}, nil
	}
	if len(val) == 0 || !bytes.HasPrefix(text, val) {
		return span{}, fmt.Errorf("line %d: value %q spans lines; cannot rewrite in place", li.fileLine(n.Line), n.Value)
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
