package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestGenerate(t *testing.T) {
	tests := []struct {
		n, nns      int
		wantChanged int
		wantFiles   int
	}{
		{n: 100, nns: 10, wantChanged: 10, wantFiles: 30},
		{n: 1000, nns: 10, wantChanged: 99, wantFiles: 140},
		{n: 17, nns: 3, wantChanged: 2, wantFiles: 6},
	}
	for _, tt := range tests {
		s := generate("bt", tt.n, tt.nns)
		if len(s.objs) != tt.n {
			t.Errorf("n=%d: %d objects", tt.n, len(s.objs))
		}
		kinds := map[string]int{}
		seen := map[string]bool{}
		for _, o := range s.objs {
			kinds[o.u.GetKind()]++
			id := o.u.GetKind() + "/" + o.u.GetNamespace() + "/" + o.u.GetName()
			if seen[id] {
				t.Errorf("n=%d: %s generated twice", tt.n, id)
			}
			seen[id] = true
		}
		if kinds["Namespace"] != tt.nns {
			t.Errorf("n=%d: %d namespaces, want %d", tt.n, kinds["Namespace"], tt.nns)
		}
		dir := t.TempDir()
		nchanged, err := s.write(dir, version{change: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if nchanged != tt.wantChanged {
			t.Errorf("n=%d: %d changed, want %d", tt.n, nchanged, tt.wantChanged)
		}
		if s.files() != tt.wantFiles {
			t.Errorf("n=%d: %d files, want %d", tt.n, s.files(), tt.wantFiles)
		}
		docs := 0
		err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, doc := range strings.Split(string(b), "---\n") {
				var m map[string]any
				if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
					t.Errorf("%s: %v", path, err)
				}
				docs++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if docs != tt.n {
			t.Errorf("n=%d: %d YAML documents written", tt.n, docs)
		}
	}
}

func TestMutateChangesEveryKind(t *testing.T) {
	s := generate("bt", 90, 1)
	for _, o := range s.objs {
		if o.index < 0 {
			continue
		}
		before, _ := yaml.Marshal(o.u.Object)
		c := o.u.DeepCopy()
		mutate(c)
		after, _ := yaml.Marshal(c.Object)
		if string(before) == string(after) {
			t.Errorf("mutate left %s %s unchanged", o.u.GetKind(), o.u.GetName())
		}
		if again, _ := yaml.Marshal(o.u.Object); string(again) != string(before) {
			t.Errorf("mutate changed the original %s %s", o.u.GetKind(), o.u.GetName())
		}
	}
}

func TestCounter(t *testing.T) {
	pages := []string{
		`# HELP apiserver_request_total x
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",verb="APPLY",version="v1"} 10
apiserver_request_total{code="201",component="apiserver",dry_run="All",group="",resource="configmaps",verb="APPLY",version="v1"} 4
apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",verb="GET",version="v1"} 2
apiserver_request_duration_seconds_count{verb="GET"} 99
`,
		`apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",verb="APPLY",version="v1"} 25
apiserver_request_total{code="201",component="apiserver",dry_run="All",group="",resource="configmaps",verb="APPLY",version="v1"} 4
apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",verb="GET",version="v1"} 3
`,
	}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(pages[min(calls, len(pages)-1)]))
		calls++
	}))
	defer srv.Close()
	c := &counter{client: srv.Client(), url: srv.URL + "/metrics"}
	m, err := c.count(context.Background(), func() (measure, error) { return measure{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		verb string
		want int
	}{
		{"APPLY", 15},
		{"GET", 1},
		{"dry-run APPLY", 0},
	}
	for _, tt := range tests {
		if got := m.requests[tt.verb]; got != tt.want {
			t.Errorf("%s: %d, want %d", tt.verb, got, tt.want)
		}
	}
	if got, want := m.requests.String(), "APPLY 15, GET 1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
