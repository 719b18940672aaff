package githubapp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDescribeCounts(t *testing.T) {
	tests := []struct {
		name                                   string
		create, update, del, unchanged, failed int
		want                                   string
	}{
		{"all zero", 0, 0, 0, 0, 0, "0 created, 0 updated, 0 deleted, 0 unchanged"},
		{"mixed", 2, 1, 0, 5, 0, "2 created, 1 updated, 0 deleted, 5 unchanged"},
		{"failed leads", 2, 1, 0, 5, 1, "1 failed, 2 created, 1 updated, 0 deleted, 5 unchanged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DescribeCounts(tt.create, tt.update, tt.del, tt.unchanged, tt.failed); got != tt.want {
				t.Errorf("DescribeCounts = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShortDescription(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "3 created", "3 created"},
		{"whitespace collapsed", "  apply failed:\n\tnamespace\r\n missing  ", "apply failed: namespace missing"},
		{"exactly 140 kept", strings.Repeat("a", 140), strings.Repeat("a", 140)},
		{"141 cut", strings.Repeat("a", 141), strings.Repeat("a", 139) + "…"},
		{"multi-byte runes kept whole", strings.Repeat("é", 200), strings.Repeat("é", 139) + "…"},
		{"emoji kept whole", strings.Repeat("🚀", 141), strings.Repeat("🚀", 139) + "…"},
		{"140 multi-byte runes kept", strings.Repeat("ü", 140), strings.Repeat("ü", 140)},
		{"no space before ellipsis", strings.Repeat("a", 138) + " bcd", strings.Repeat("a", 138) + "…"},
		{"invalid UTF-8 replaced", "bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shortDescription(tt.in)
			if got != tt.want {
				t.Errorf("shortDescription = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxDescription {
				t.Errorf("%d characters, want at most %d", n, MaxDescription)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result is not valid UTF-8: %q", got)
			}
		})
	}
}
