package images

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRegistryListTagsPaginates(t *testing.T) {
	srv := newTestRegistry(t)
	img := testImage(t, time.Unix(0, 0))
	tags := tagNames("1.0.", 2500)
	pushTags(t, srv.Host(), "team/app", img, tags...)
	srv.Reset()

	r := quietRegistry(WithPageSize(1000))
	got, err := r.ListTags(context.Background(), repoOf(t, srv.Host()+"/team/app"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want := append([]string(nil), tags...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %d tags, want %d", len(got), len(want))
	}
	// One ping, then pages of 1000, 1000 and 500 (a short page ends the list).
	if n := srv.Count("/tags/list"); n != 3 {
		t.Errorf("tag list requests = %d, want 3", n)
	}
	if n := srv.Requests(); n != 4 {
		t.Errorf("requests = %d, want 4 (ping + 3 pages)", n)
	}
	if n := r.Requests(); n != 4 {
		t.Errorf("client counted %d requests, want 4", n)
	}

	// A second repository on the same host costs no second ping.
	pushTags(t, srv.Host(), "team/other", img, "a", "b")
	srv.Reset()
	if _, err := r.ListTags(context.Background(), repoOf(t, srv.Host()+"/team/other")); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestRegistryTenThousandTags(t *testing.T) {
	srv := newTestRegistry(t)
	pushTags(t, srv.Host(), "big", testImage(t, time.Unix(0, 0)), tagNames("v", 10001)...)
	repo := repoOf(t, srv.Host()+"/big")

	got, err := quietRegistry().ListTags(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10001 {
		t.Fatalf("got %d tags", len(got))
	}
	p, _ := NewRegex(`^v(?P<n>\d+)$`, RegexOptions{Order: OrderNumerical})
	if latest, _ := Latest(p, got); latest != "v10000" {
		t.Fatalf("latest = %s", latest)
	}

	_, err = quietRegistry(WithMaxTags(5000)).ListTags(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "more than 5000 tags") || !strings.Contains(err.Error(), srv.Host()+"/big") {
		t.Fatalf("err = %v", err)
	}
}

// linkRegistry serves tag lists the way GHCR and Quay do: pages capped at cap tags
// whatever n asks, oldest first, with relative Link headers.
func linkRegistry(tags []string, capPage int, link func(next int) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			http.NotFound(w, r)
			return
		}
		start := 0
		fmt.Sscanf(r.URL.Query().Get("cursor"), "%d", &start)
		end := min(start+capPage, len(tags))
		if end < len(tags) {
			w.Header().Set("Link", link(end))
		}
		json.NewEncoder(w).Encode(map[string]any{"name": "x", "tags": tags[start:end]})
	}
}

func TestRegistryFollowsLinkHeaders(t *testing.T) {
	tags := tagNames("2024.01.", 250) // oldest first
	srv := newCountingServer(t, linkRegistry(tags, 100, func(next int) string {
		return fmt.Sprintf(`</v2/x/tags/list?cursor=%d&n=100>; rel="next"`, next)
	}))
	got, err := quietRegistry().ListTags(context.Background(), repoOf(t, srv.Host()+"/x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("got %d tags", len(got))
	}
	if n := srv.Count("/tags/list"); n != 3 {
		t.Errorf("pages = %d, want 3", n)
	}
}

func TestRegistryBadAnswers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"garbage JSON", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			w.Write([]byte("<html>oops</html>"))
		}, `page 1: the registry answered something that is not a tag list ("<html>oops</html>")`},
		{"tags not strings", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			w.Write([]byte(`{"name":"x","tags":[1,2]}`))
		}, `"tags" is not a list of strings`},
		{"link to another host", linkRegistry(tagNames("t", 10), 5, func(int) string {
			return `<http://169.254.169.254/v2/x/tags/list>; rel="next"`
		}), "Link header points to another host"},
		{"link loop", linkRegistry(tagNames("t", 10), 5, func(int) string {
			return `</v2/x/tags/list?cursor=0>; rel="next"`
		}), "links back to a page already read"},
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
		}, "401 Unauthorized"},
		{"not found", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`))
		}, "NAME_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCountingServer(t, tt.handler)
			_, err := quietRegistry().ListTags(context.Background(), repoOf(t, srv.Host()+"/x"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), srv.Host()+"/x") {
				t.Errorf("error does not name the repository: %v", err)
			}
		})
	}
}

func TestRegistryHonoursRetryAfter(t *testing.T) {
	var calls atomic.Int64
	srv := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`))
			return
		}
		w.Write([]byte(`{"name":"x","tags":["1.0.0"]}`))
	}))
	r := quietRegistry()
	start := time.Now()
	got, err := r.ListTags(context.Background(), repoOf(t, srv.Host()+"/x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("tags %v", got)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %s, before the Retry-After of 1s", waited)
	}
	st := r.Stats()
	if len(st) != 1 || st[0].Throttled != 1 || st[0].Requests != 3 {
		t.Errorf("stats %+v, want 3 requests and 1 throttled", st)
	}

	// A Retry-After beyond the longest accepted wait fails instead of hanging.
	calls.Store(0)
	srv2 := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	_, err = quietRegistry().ListTags(context.Background(), repoOf(t, srv2.Host()+"/x"))
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("err = %v", err)
	}
}

func TestRegistryDownAndSlow(t *testing.T) {
	down := newCountingServer(t, http.NotFoundHandler())
	downHost := down.Host()
	down.Close()
	_, err := quietRegistry().ListTags(context.Background(), repoOf(t, downHost+"/x"))
	if err == nil || !strings.Contains(err.Error(), "registry "+downHost) {
		t.Fatalf("down: err = %v", err)
	}

	release := make(chan struct{})
	slow := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release)
	_, err = quietRegistry(WithTimeout(300*time.Millisecond)).ListTags(context.Background(), repoOf(t, slow.Host()+"/x"))
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("slow: err = %v", err)
	}
}

// bearerRegistry wraps a registry with Docker-style token auth: every /v2/ request
// needs "Bearer good-token", handed out by /token for the requested scope.
func bearerRegistry(inner http.Handler, scopes *[]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			*scopes = append(*scopes, r.URL.Query().Get("scope"))
			json.NewEncoder(w).Encode(map[string]string{"token": "good-token"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer good-token" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, r.Host))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	}
}

func TestRegistryBearerToken(t *testing.T) {
	plain := newTestRegistry(t)
	pushTags(t, plain.Host(), "app", testImage(t, time.Unix(0, 0)), "1", "2")
	var scopes []string
	srv := newCountingServer(t, bearerRegistry(plain.Config.Handler, &scopes))
	got, err := quietRegistry().ListTags(context.Background(), repoOf(t, srv.Host()+"/app"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("tags %v", got)
	}
	if len(scopes) != 1 || scopes[0] != "repository:app:pull" {
		t.Errorf("token scopes %v", scopes)
	}
	if n := srv.Requests(); n != 3 {
		t.Errorf("requests = %d, want 3 (ping, token, page)", n)
	}
}

func TestRegistryDockerConfigCredentials(t *testing.T) {
	plain := newTestRegistry(t)
	pushTags(t, plain.Host(), "private", testImage(t, time.Unix(0, 0)), "1.0")
	srv := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "robot" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		plain.Config.Handler.ServeHTTP(w, r)
	}))
	cfg := filepath.Join(t.TempDir(), "config.json")
	body := fmt.Sprintf(`{"auths":{%q:{"username":"robot","password":"s3cret"}}}`, srv.Host())
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	kc, err := DockerConfigKeychain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	repo := repoOf(t, srv.Host()+"/private")
	if _, err := quietRegistry().ListTags(context.Background(), repo); err == nil {
		t.Fatal("anonymous listing of a private repository succeeded")
	}
	got, err := quietRegistry(WithKeychain(kc)).ListTags(context.Background(), repo)
	if err != nil || len(got) != 1 {
		t.Fatalf("tags %v err %v", got, err)
	}
	if _, err := DockerConfigKeychain(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("missing docker config accepted")
	}
}

func TestRegistryCreated(t *testing.T) {
	srv := newTestRegistry(t)
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	pushTags(t, srv.Host(), "app", testImage(t, created), "1.0.0")
	srv.Reset()
	r := quietRegistry()
	got, err := r.Created(context.Background(), repoOf(t, srv.Host()+"/app"), "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(created) {
		t.Fatalf("created %s, want %s", got, created)
	}
	if n := srv.Count("/manifests/"); n != 1 {
		t.Errorf("manifest requests = %d, want 1", n)
	}
	if _, err := r.Created(context.Background(), repoOf(t, srv.Host()+"/app"), "nope"); err == nil {
		t.Fatal("created time of a missing tag")
	}
}

func TestRegistryRateLimitIsPerHost(t *testing.T) {
	srv := newTestRegistry(t)
	img := testImage(t, time.Unix(0, 0))
	for i := 0; i < 5; i++ {
		pushTags(t, srv.Host(), fmt.Sprintf("r%d", i), img, "1")
	}
	r := quietRegistry(WithRateLimit(1000, 1))
	for i := 0; i < 5; i++ {
		if _, err := r.ListTags(context.Background(), repoOf(t, fmt.Sprintf("%s/r%d", srv.Host(), i))); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Stats()
	if len(st) != 1 || st[0].Host != srv.Host() || st[0].Requests != 6 {
		t.Fatalf("stats %+v: want one host bucket with 6 requests", st)
	}
}
