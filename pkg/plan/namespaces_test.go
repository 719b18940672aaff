package plan

import "testing"

func TestNamespaceAllowed(t *testing.T) {
	tests := []struct {
		allowed []string
		ns      string
		want    bool
	}{
		{nil, "any", true},
		{[]string{"shop"}, "shop", true},
		{[]string{"shop"}, "shop-2", false},
		{[]string{"shop-*"}, "shop-eu", true},
		{[]string{"shop-*"}, "shop", false},
		{[]string{"shop-*"}, "payments", false},
		{[]string{"*"}, "kube-system", true},
		{[]string{"team-?"}, "team-a", true},
		{[]string{"team-?"}, "team-ab", false},
		{[]string{"[bad"}, "[bad", true}, // a bad pattern is still a name
		{[]string{"[bad"}, "b", false},
		{[]string{"a", "b-*"}, "b-1", true},
	}
	for _, tt := range tests {
		if got := NamespaceAllowed(tt.allowed, tt.ns); got != tt.want {
			t.Errorf("NamespaceAllowed(%q, %q) = %v, want %v", tt.allowed, tt.ns, got, tt.want)
		}
	}
}
