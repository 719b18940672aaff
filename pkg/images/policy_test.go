package images

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestPolicies(t *testing.T) {
	tags := []string{"1.0.0", "1.0.1", "1.1.0", "v1.2.0", "2.0.0", "2.0.0-rc.1", "latest", "main-abc-100", "main-def-99",
		"main-aaa-1000", "build-9", "build-10", "3.10.1", "3.10.3", "3.9.9", "nightly"}
	tests := []struct {
		spec string
		want []string // newest first
	}{
		{"semver:~1.0", []string{"1.0.1", "1.0.0"}},
		{"semver:^1", []string{"v1.2.0", "1.1.0", "1.0.1", "1.0.0"}},
		{"semver:>=2.0.0-0", []string{"3.10.3", "3.10.1", "3.9.9", "2.0.0", "2.0.0-rc.1"}},
		{"semver:*", []string{"3.10.3", "3.10.1", "3.9.9", "2.0.0", "v1.2.0", "1.1.0", "1.0.1", "1.0.0"}},
		{"glob:build-*", []string{"build-10", "build-9"}},
		{"glob:*", nil}, // checked for "latest" below
		{"build-?", []string{"build-9"}},
		{"glob:latest", []string{"latest"}},
		{"regex:^3\\.10\\.", []string{"3.10.3", "3.10.1"}},
		{"regex:^main-", []string{"main-def-99", "main-abc-100", "main-aaa-1000"}}, // natural on whole tag
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			p, err := ParsePolicy(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Candidates(tags)
			if tt.spec == "glob:*" {
				for _, g := range got {
					if g == "latest" {
						t.Fatalf("glob:* chose latest: %v", got)
					}
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Candidates = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRegexExtract(t *testing.T) {
	tags := []string{"main-abc-100", "main-def-99", "main-aaa-1000", "main-bad-x1", "other-5"}
	tests := []struct {
		name string
		opts RegexOptions
		want []string
	}{
		{"numerical asc", RegexOptions{Extract: "ts", Order: OrderNumerical}, []string{"main-aaa-1000", "main-abc-100", "main-def-99"}},
		{"numerical desc", RegexOptions{Extract: "$ts", Order: OrderNumerical, Descending: true}, []string{"main-def-99", "main-abc-100", "main-aaa-1000"}},
		{"alphabetical asc", RegexOptions{Extract: "${ts}", Order: OrderAlphabetical}, []string{"main-bad-x1", "main-def-99", "main-aaa-1000", "main-abc-100"}},
		{"only group by default", RegexOptions{Order: OrderNumerical}, []string{"main-aaa-1000", "main-abc-100", "main-def-99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewRegex(`^main-[a-z]+-(?P<ts>.+)$`, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Candidates(tags); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNumericalLongTimestamps(t *testing.T) {
	// Integers beyond float64 precision still order exactly.
	p, err := NewRegex(`^b-(?P<n>\d+)$`, RegexOptions{Order: OrderNumerical})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Latest(p, []string{"b-20240101000000000001", "b-20240101000000000002", "b-9"})
	if got != "b-20240101000000000002" {
		t.Fatalf("got %s", got)
	}
}

func TestNumericalOrderIsExactAndTotal(t *testing.T) {
	// Float comparison made 1e20 equal to both 100000000000000000000 and ...001, and nan
	// equal to everything, so the choice depended on the registry's tag order.
	p, err := NewRegex(`^b-(?P<n>.+)$`, RegexOptions{Order: OrderNumerical})
	if err != nil {
		t.Fatal(err)
	}
	tags := []string{"b-1e20", "b-100000000000000000001", "b-nan", "b-100000000000000000000", "b-2.50", "b-2.5", "b--3", "b-inf"}
	want := []string{"b-100000000000000000001", "b-100000000000000000000", "b-2.50", "b-2.5", "b--3"}
	for _, order := range permutations(tags) {
		if got := p.Candidates(order); !reflect.DeepEqual(got, want) {
			t.Fatalf("Candidates(%q) = %q, want %q", order, got, want)
		}
	}
}

func TestPolicyBadInput(t *testing.T) {
	tests := []struct {
		name string
		make func() (Policy, error)
		err  string
	}{
		{"unknown syntax", func() (Policy, error) { return ParsePolicy("semvar:~1.0") }, `unknown policy syntax "semvar:~1.0"`},
		{"empty", func() (Policy, error) { return ParsePolicy("") }, "empty policy"},
		{"invalid semver range", func() (Policy, error) { return ParsePolicy("semver:~>1.x.y.z") }, "invalid semver range"},
		{"empty semver", func() (Policy, error) { return ParsePolicy("semver:") }, "invalid semver range: empty"},
		{"bad regex", func() (Policy, error) { return ParsePolicy("regex:^(v1") }, "invalid regex"},
		{"bad glob", func() (Policy, error) { return ParsePolicy("glob:v[1") }, "unclosed '['"},
		{"regex without named group", func() (Policy, error) {
			return NewRegex(`^main-[0-9]+$`, RegexOptions{Order: OrderNumerical})
		}, "has no named group to order numerical by"},
		{"extract names missing group", func() (Policy, error) {
			return NewRegex(`^main-(?P<ts>[0-9]+)$`, RegexOptions{Extract: "build", Order: OrderNumerical})
		}, `no named group "build" (it has: ts)`},
		{"extract with no groups", func() (Policy, error) {
			return NewRegex(`^main-[0-9]+$`, RegexOptions{Extract: "$ts", Order: OrderNumerical})
		}, `no named group "ts": add (?P<ts>...)`},
		{"two groups, no extract", func() (Policy, error) {
			return NewRegex(`^(?P<a>\d+)-(?P<b>\d+)$`, RegexOptions{Order: OrderNumerical})
		}, "2 named groups (a, b)"},
		{"bad order", func() (Policy, error) { return NewRegex(`^(?P<a>\d+)$`, RegexOptions{Order: "random"}) }, `invalid regex order "random"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.make()
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want containing %q", err, tt.err)
			}
		})
	}
}

func TestPolicyLargeTagList(t *testing.T) {
	tags := make([]string, 0, 20000)
	for i := 0; i < 20000; i++ {
		tags = append(tags, fmt.Sprintf("1.%d.%d", i/100, i%100))
	}
	p, _ := NewSemver(">=1.0.0")
	if got, _ := Latest(p, tags); got != "1.199.99" {
		t.Fatalf("got %s", got)
	}
	g, _ := NewGlob("1.19*")
	if got, _ := Latest(g, tags); got != "1.199.99" {
		t.Fatalf("glob got %s", got)
	}
}

func TestNaturalCompare(t *testing.T) {
	ordered := []string{"1", "1.2", "1.9", "1.10", "build-9", "build-10", "build-10a", "v2"}
	for i := 0; i+1 < len(ordered); i++ {
		if !naturalLess(ordered[i], ordered[i+1]) || naturalLess(ordered[i+1], ordered[i]) {
			t.Errorf("%s should sort before %s", ordered[i], ordered[i+1])
		}
	}
}

func TestAllows(t *testing.T) {
	p, _ := ParsePolicy("semver:~1.0")
	if !Allows(p, "1.0.5") || Allows(p, "1.1.0") {
		t.Fatal("Allows is wrong")
	}
}
