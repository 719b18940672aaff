package images

import (
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	tests := []struct {
		in, repo, tag, digest, name string
		err                         string
	}{
		{in: "nginx", repo: "nginx", name: "index.docker.io/library/nginx"},
		{in: "nginx:1.25", repo: "nginx", tag: "1.25", name: "index.docker.io/library/nginx"},
		{in: "docker.io/library/nginx:1.25", repo: "docker.io/library/nginx", tag: "1.25", name: "index.docker.io/library/nginx"},
		{in: "ghcr.io/stefanprodan/podinfo:6.1.1", repo: "ghcr.io/stefanprodan/podinfo", tag: "6.1.1", name: "ghcr.io/stefanprodan/podinfo"},
		{in: "localhost:5000/app", repo: "localhost:5000/app", name: "localhost:5000/app"},
		{in: "localhost:5000/app:v1", repo: "localhost:5000/app", tag: "v1", name: "localhost:5000/app"},
		{in: "alpine:3.10@sha256:" + strings.Repeat("a", 64), repo: "alpine", tag: "3.10", digest: "sha256:" + strings.Repeat("a", 64), name: "index.docker.io/library/alpine"},
		{in: "", err: "empty image reference"},
		{in: "Nginx:1", err: "invalid image reference"},
		{in: "nginx:", err: "invalid tag"},
		{in: "nginx:-1", err: "invalid tag"},
		{in: "${IMAGE}", err: "invalid image reference"},
		{in: "{{ .Values.image }}", err: "invalid image reference"},
		{in: " nginx", err: "whitespace"},
		{in: "nginx@sha256:short", err: "bad digest"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ref, err := ParseReference(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ref.Repository != tt.repo || ref.Tag != tt.tag || ref.Digest != tt.digest || ref.Name() != tt.name {
				t.Fatalf("got %+v name %s", ref, ref.Name())
			}
			if ref.String() != tt.in {
				t.Fatalf("String() = %q, want %q", ref.String(), tt.in)
			}
		})
	}
}

func TestSameRepository(t *testing.T) {
	a, _ := ParseReference("nginx:1")
	b, _ := ParseReference("docker.io/library/nginx:2")
	c, _ := ParseReference("ghcr.io/nginx:2")
	if !SameRepository(a, b) || SameRepository(a, c) {
		t.Fatal("SameRepository is wrong")
	}
}
