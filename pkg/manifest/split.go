package manifest

import (
	"bytes"
)

// chunk is one YAML document of a stream, cut the way kubectl cuts them.
type chunk struct {
	data []byte
	line int // 1-based line of the chunk's first line in the stream
}

// splitDocuments cuts a multi-document YAML stream at separator lines: lines that start
// with "---" followed by nothing but blanks or a comment (k8s.io/apimachinery's
// YAMLReader rule, so files split exactly as kubectl splits them). The separator lines
// themselves belong to no chunk.
func splitDocuments(data []byte) []chunk {
	var chunks []chunk
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(data); line++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(data[pos:next]) {
			chunks = append(chunks, chunk{data: data[start:pos], line: startLine})
			start, startLine = next, line+1
		}
		pos = next
	}
	return append(chunks, chunk{data: data[start:], line: startLine})
}

func isSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := bytes.TrimSpace(line[3:])
	return len(rest) == 0 || rest[0] == '#'
}
