package githubapp

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestPaginate lists the comments of o/r#7, two a page, against the fake API: the
// pages are joined in order, the first page is asked for without a page parameter,
// a bound is kept, a failing page is retried or named in the error.
func TestPaginate(t *testing.T) {
	errStop := errors.New("enough")
	fault := func(status int) *githubtest.Fault {
		return &githubtest.Fault{Method: http.MethodGet, Path: regexp.MustCompile(`/issues/7/comments$`), Times: 1, Status: status, Message: "boom"}
	}
	tests := []struct {
		name      string
		comments  int
		maxPages  int
		failPage2 *githubtest.Fault // injected just before page 2 is asked for
		stopAt    int               // the visit fails at this page (0: never)
		wantBody  []string          // the comments' bodies visited
		wantPages []string          // the page parameter of each request
		wantErr   string
		wantCode  int // the HTTP status the error carries
	}{
		{name: "one page", comments: 2,
			wantBody: []string{"c1", "c2"}, wantPages: []string{""}},
		{name: "pages joined", comments: 5,
			wantBody: []string{"c1", "c2", "c3", "c4", "c5"}, wantPages: []string{"", "2", "3"}},
		{name: "no comments", comments: 0,
			wantBody: nil, wantPages: []string{""}},
		{name: "within the bound", comments: 5, maxPages: 3,
			wantBody: []string{"c1", "c2", "c3", "c4", "c5"}, wantPages: []string{"", "2", "3"}},
		{name: "beyond the bound", comments: 5, maxPages: 2,
			wantBody: []string{"c1", "c2", "c3", "c4"}, wantPages: []string{"", "2"},
			wantErr: "list comments on o/r#7: more than 2 pages"},
		{name: "error on page 2 named with its page", comments: 5, failPage2: fault(http.StatusForbidden),
			wantBody: []string{"c1", "c2"}, wantPages: []string{"", "2"},
			wantErr: "list comments on o/r#7 (page 2): GitHub answered 403 Forbidden: boom (the token may not", wantCode: http.StatusForbidden},
		{name: "transient error on page 2 retried", comments: 3, failPage2: fault(http.StatusBadGateway),
			wantBody: []string{"c1", "c2", "c3"}, wantPages: []string{"", "2", "2"}},
		{name: "the visit's error stops the listing", comments: 5, stopAt: 2,
			wantBody: []string{"c1", "c2", "c3", "c4"}, wantPages: []string{"", "2"},
			wantErr: errStop.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := githubtest.New(t)
			for i := 1; i <= tt.comments; i++ {
				gh.AddComment("o/r", 7, "someone", "c"+string(rune('0'+i)))
			}
			client, err := NewClient(nil, testToken, gh.URL)
			if err != nil {
				t.Fatal(err)
			}
			s := NewStickyComment(client, "o", "r", 7, "plan") // its what and hints
			list := listing{what: s.what("list comments"), hints: s.hints(), maxPages: tt.maxPages,
				retry: &retryPolicy{attempts: 3, backoff: time.Millisecond}}
			opts := github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 2}}
			var bodies []string
			pages := 0
			err = paginate(context.Background(), list, func(ctx context.Context, page int) ([]*github.IssueComment, *github.Response, error) {
				if page == 2 && tt.failPage2 != nil {
					gh.Inject(*tt.failPage2)
					tt.failPage2 = nil // once, not again on the retry
				}
				opts.Page = page
				return client.Issues.ListComments(ctx, "o", "r", 7, &opts)
			}, func(page []*github.IssueComment) error {
				pages++
				for _, c := range page {
					bodies = append(bodies, c.GetBody())
				}
				if pages == tt.stopAt {
					return errStop
				}
				return nil
			})

			if !reflect.DeepEqual(bodies, tt.wantBody) {
				t.Errorf("visited %q, want %q", bodies, tt.wantBody)
			}
			var asked []string
			for _, c := range gh.Calls() {
				asked = append(asked, c.Query.Get("page"))
			}
			if !reflect.DeepEqual(asked, tt.wantPages) {
				t.Errorf("pages asked for %q, want %q", asked, tt.wantPages)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err %v", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Fatalf("err %v, want one starting %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), testToken):
				t.Fatalf("the error shows the token: %v", err)
			}
			if got := StatusCode(err); got != tt.wantCode {
				t.Errorf("status %d, want %d", got, tt.wantCode)
			}
			if tt.stopAt != 0 && !errors.Is(err, errStop) {
				t.Errorf("err %v, want the visit's own", err)
			}
		})
	}
}

// TestAppendTo collects every page's items in order.
func TestAppendTo(t *testing.T) {
	var out []int
	visit := appendTo(&out)
	for _, page := range [][]int{{1, 2}, nil, {3}} {
		if err := visit(page); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(out, []int{1, 2, 3}) {
		t.Errorf("collected %v", out)
	}
}
