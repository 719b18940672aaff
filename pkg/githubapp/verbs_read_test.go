package githubapp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestBotReadVerbs runs the verbs the bot reads GitHub with against the
// spec-checked fake, as the App and as an installation.
func TestBotReadVerbs(t *testing.T) {
	ctx := context.Background()
	key, keyPEM := rsaKey(t)
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 77, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{5: true, 6: true}, Repos: map[int64][]string{5: {"o/r", "o/s"}, 6: {"p/q"}}}
	for _, name := range []string{"o/r", "o/s", "p/q"} {
		gh.AddRepo(&githubtest.Repo{FullName: name, Permissions: map[string]string{"alice": "maintain", "bob": "triage"}})
	}
	gh.SetPullRequest("o/r", githubtest.PullRequest{Number: 1, HeadSHA: testSHA, HeadRef: "feature", BaseRef: "main"})
	gh.SetPullRequest("o/r", githubtest.PullRequest{Number: 2, HeadSHA: testSHA, HeadRef: "other", BaseRef: "main"})
	app, err := NewApp(77, keyPEM, gh.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	inst := app.Installation(5)

	t.Run("installations and their repositories", func(t *testing.T) {
		var got []string
		err := EachInstallation(ctx, app.AppClient(), func(in *github.Installation) error {
			repos, err := ListInstallationRepos(ctx, app.Installation(in.GetID()))
			for _, r := range repos {
				got = append(got, r.GetFullName())
			}
			return err
		})
		if want := []string{"o/r", "o/s", "p/q"}; err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("repositories %q, %v; want %q", got, err, want)
		}
	})
	t.Run("pull requests", func(t *testing.T) {
		pr, err := GetPullRequest(ctx, inst, "o", "r", 1)
		if err != nil || pr.GetHead().GetSHA() != testSHA || pr.GetState() != "open" {
			t.Fatalf("pull request 1: %v, %v", pr, err)
		}
		_, err = GetPullRequest(ctx, inst, "o", "r", 9)
		if StatusCode(err) != http.StatusNotFound || !strings.HasPrefix(err.Error(), "read pull request o/r#9: GitHub answered 404") {
			t.Fatalf("pull request 9: %v", err)
		}
		var numbers []int
		stop := errors.New("stop")
		err = EachPullRequest(ctx, inst, "o", "r", func(pr *github.PullRequest) error {
			numbers = append(numbers, pr.GetNumber())
			return stop
		})
		if !errors.Is(err, stop) || len(numbers) != 1 {
			t.Fatalf("visit stopped after %v: %v", numbers, err)
		}
	})
	t.Run("permissions", func(t *testing.T) {
		for user, want := range map[string]string{"alice": "write", "bob": "read", "carol": "none"} {
			if got, err := GetPermissionLevel(ctx, inst, "o", "r", user); err != nil || got != want {
				t.Errorf("%s: %q, %v; want %q", user, got, err, want)
			}
		}
	})
	t.Run("reaction", func(t *testing.T) {
		if err := AddCommentReaction(ctx, inst, "o", "r", 42, "eyes"); err != nil {
			t.Fatal(err)
		}
		if n := gh.CountCalls(http.MethodPost, "/repos/o/r/issues/comments/42/reactions"); n != 1 {
			t.Errorf("%d reactions posted, want 1", n)
		}
	})
}

// TestGetFileContent reads a file, and tells an absent file from a directory and
// from a failure.
func TestGetFileContent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/repos/o/r/contents/.gitops.yaml":
			if r.URL.Query().Get("ref") != "main" {
				http.Error(w, `{"message":"No commit found for the ref"}`, http.StatusNotFound)
				return
			}
			_, _ = w.Write([]byte(`{"type":"file","encoding":"base64","path":".gitops.yaml","content":"dGFyZ2V0czogW10K"}`))
		case "/repos/o/r/contents/deploy":
			_, _ = w.Write([]byte(`[{"type":"file","path":"deploy/a.yaml"}]`))
		case "/repos/o/r/contents/secret.yaml":
			http.Error(w, `{"message":"Resource not accessible by integration"}`, http.StatusForbidden)
		default:
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	gh, err := NewClient(nil, testToken, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, ref string
		want            string
		found           bool
		wantErr         string
	}{
		{"a file at a ref", ".gitops.yaml", "main", "targets: []\n", true, ""},
		{"absent at another ref", ".gitops.yaml", "old", "", false, ""},
		{"absent", "missing.yaml", "", "", false, ""},
		{"a directory", "deploy", "", "", false, "read deploy of o/r: deploy is a directory, not a file"},
		{"forbidden, explained", "secret.yaml", "", "", false, "read secret.yaml of o/r: GitHub answered 403 Forbidden: Resource not accessible by integration (the App may not do this in o/r: it needs the contents: read permission)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, found, err := GetFileContent(context.Background(), gh, "o", "r", tt.path, tt.ref)
			if string(data) != tt.want || found != tt.found {
				t.Errorf("got %q, found %v; want %q, %v", data, found, tt.want, tt.found)
			}
			if (err == nil) != (tt.wantErr == "") || err != nil && err.Error() != tt.wantErr {
				t.Errorf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}
