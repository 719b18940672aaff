package manifest

import "bytes"

// fileLine converts a line number of the YAML parser within data (1-based) into the
// line of data that people, git and editors count: lines end at '\n' only, while YAML
// also breaks lines at a lone '\r' and at NEL, LS and PS. A line past data's last line
// with content (the parser names the line after the last at the end of the stream) is
// that last line. Lines below 1 are returned as they are.
func fileLine(data []byte, yamlLine int) int {
	if yamlLine < 1 {
		return yamlLine
	}
	line, breaks := 1, 1
	for i := 0; i < len(data) && breaks < yamlLine; {
		n := YAMLBreakLen(data[i:])
		if n == 0 {
			i++
			continue
		}
		breaks++
		line += bytes.Count(data[i:i+n], []byte("\n"))
		i += n
	}
	if breaks < yamlLine {
		line += yamlLine - breaks
	}
	return min(line, 1+bytes.Count(bytes.TrimRight(data, " \t\r\n"), []byte("\n")))
}

var yamlBreaks = [][]byte{[]byte("\r\n"), []byte("\n"), []byte("\r"), []byte("\u0085"), []byte("\u2028"), []byte("\u2029")}

// YAMLBreakLen is the length of the YAML line break at the start of b, 0 if none: YAML
// breaks lines at "\r\n", '\n', a lone '\r', NEL, LS and PS. The image rewriter
// (pkg/images) maps the parser's lines with it too.
func YAMLBreakLen(b []byte) int {
	for _, br := range yamlBreaks {
		if bytes.HasPrefix(b, br) {
			return len(br)
		}
	}
	return 0
}
