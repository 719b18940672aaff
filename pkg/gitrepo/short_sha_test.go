package gitrepo

import "testing"

func TestShortSHA(t *testing.T) {
	for _, c := range []struct {
		sha  string
		n    int
		want string
	}{
		{"0123456789abcdef0123456789abcdef01234567", 12, "0123456789ab"},
		{"0123456789abcdef0123456789abcdef01234567", 7, "0123456"},
		{"0123456", 7, "0123456"},
		{"012", 7, "012"},
		{"", 12, ""},
		{"0123456789abcdef0123456789abcdef01234567-dirty", 12, "0123456789abcdef0123456789abcdef01234567-dirty"},
	} {
		if got := ShortSHA(c.sha, c.n); got != c.want {
			t.Errorf("ShortSHA(%q, %d) = %q, want %q", c.sha, c.n, got, c.want)
		}
	}
}
