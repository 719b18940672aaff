package manifest

import "testing"

func TestFileLine(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		yamlLine int
		want     int
	}{
		{"LF", "a: 1\nb: 2\nc: 3\n", 2, 2},
		{"CRLF", "a: 1\r\nb: 2\r\nc: 3\r\n", 3, 3},
		{"lone CR is no line of the file", "a: 1\rb: 2\nc: 3\n", 3, 2},
		{"LS and NEL", "a: \"x\u2028y\u0085z\"\nb: 2\n", 4, 2},
		{"past the end: the last line", "0: 0\n0", 3, 2},
		{"past the end after blank lines", "a: 1\n\n\n", 4, 1},
		{"zero stays", "a: 1\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fileLine([]byte(tt.data), tt.yamlLine); got != tt.want {
				t.Fatalf("fileLine(%q, %d) = %d, want %d", tt.data, tt.yamlLine, got, tt.want)
			}
		})
	}
}
