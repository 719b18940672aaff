package mdcheck

import (
	"regexp"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	o := Options{
		LinkHosts: []string{"github.com"},
		Comments:  []*regexp.Regexp{regexp.MustCompile(`^ marker $`)},
	}
	tests := []struct {
		name, md string
		want     string // "" for no problem
	}{
		{"plain text", "hello world\n", ""},
		{"a mention", "ping @octocat now\n", "mention"},
		{"a team mention", "(@org/team)\n", "mention"},
		{"a mention by entity", "&#64;octocat\n", "mention"},
		{"a mention in code", "`@octocat`\n", ""},
		{"a mention broken by a zero-width space", "@\u200boctocat\n", ""},
		{"an autolink", "see https://x.example\n", "link"},
		{"a www autolink", "www.x.example\n", "link"},
		{"an e-mail autolink", "a@x.example\n", "link"},
		{"a URL behind a slash", "ns/https://x.example\n", "link in the making"},
		{"an issue reference", "fixes #12\n", "link in the making"},
		{"a link to the repository", "[`a.yaml`](https://github.com/o/r/blob/x/a.yaml)\n", ""},
		{"a link elsewhere", "[a](https://x.example)\n", "a link to"},
		{"HTML", "<img src=x>\n", "element <img>"},
		{"an HTML comment", "<!-- hidden -->\n", "HTML comment"},
		{"the marker", "<!-- marker -->\n", ""},
		{"the value whole", "| a |\n| --- |\n| PWN x\\|y \\<b\\>b\\</b\\> NWP |\n", ""},
		{"the value cuts a cell", "| a |\n| --- |\n| PWN x|y \\<b\\>b\\</b\\> NWP |\n", "cut or changed"},
		{"the value not shown", "PWN\n", "does not show whole"},
		{"the value injects HTML", "PWN x\\|y <b>b</b> NWP\n", "cut or changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := o
			if strings.Contains(tt.name, "value") {
				o.Value = "PWN x|y <b>b</b> NWP"
			}
			got := Check(tt.md, o)
			if tt.want == "" && len(got) > 0 || tt.want != "" && !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Fatalf("Check(%q) = %q, want a problem saying %q", tt.md, got, tt.want)
			}
		})
	}
}
