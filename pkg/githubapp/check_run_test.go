package githubapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// checkServer is a spec-checked fake and a client of it.
func checkServer(t *testing.T) (*githubtest.Server, *github.Client) {
	t.Helper()
	s := githubtest.NewChecked(t)
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return s, gh
}

// someAnnotations is n annotations on lines 1..n of deploy.yaml.
func someAnnotations(n int) []Annotation {
	out := make([]Annotation, n)
	for i := range out {
		out[i] = Annotation{Path: "apps/deploy.yaml", StartLine: i + 1, Level: AnnotationWarning, Message: fmt.Sprintf("remark %d", i+1)}
	}
	return out
}

// annotationsSent is how many annotations each create or update of a check run carried.
func annotationsSent(t *testing.T, s *githubtest.Server) []int {
	t.Helper()
	var out []int
	for _, c := range s.Calls() {
		if c.Method == http.MethodGet || !strings.Contains(c.Path, "/check-runs") {
			continue
		}
		var body struct {
			Output *struct {
				Annotations []json.RawMessage `json:"annotations"`
			} `json:"output"`
		}
		if err := json.Unmarshal([]byte(c.Body), &body); err != nil {
			t.Fatal(err)
		}
		n := 0
		if body.Output != nil {
			n = len(body.Output.Annotations)
		}
		out = append(out, n)
	}
	return out
}

func TestCreateCheckRunPagesAnnotations(t *testing.T) {
	tests := []struct {
		annotations int
		requests    []int // annotations per create/update, in order
	}{
		{0, []int{0}},
		{1, []int{1}},
		{50, []int{50}},
		{51, []int{50, 1}},
		{120, []int{50, 50, 20}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.annotations), func(t *testing.T) {
			s, gh := checkServer(t)
			run, created, err := CreateCheckRun(context.Background(), gh, "o", "r", CheckRun{
				Name: "gitops/plan", HeadSHA: testSHA, Conclusion: ConclusionFailure, ExternalID: "plan-1",
				Title: "2 changes", Summary: "summary", Text: "text", Annotations: someAnnotations(tt.annotations),
			})
			if err != nil || !created {
				t.Fatalf("create: %v %v", created, err)
			}
			if got := annotationsSent(t, s); fmt.Sprint(got) != fmt.Sprint(tt.requests) {
				t.Errorf("annotations per request: %v, want %v", got, tt.requests)
			}
			if run.GetOutput().GetAnnotationsCount() != tt.annotations {
				t.Errorf("returned run holds %d annotations", run.GetOutput().GetAnnotationsCount())
			}
			runs := s.CheckRuns("o/r")
			if len(runs) != 1 {
				t.Fatalf("runs: %+v", runs)
			}
			got := runs[0]
			if got.ID != run.GetID() || got.Status != CheckCompleted || got.Conclusion != ConclusionFailure || got.ExternalID != "plan-1" ||
				got.Title != "2 changes" || got.Summary != "summary" || got.Text != "text" || len(got.Annotations) != tt.annotations {
				t.Fatalf("stored: %+v", got)
			}
			for i, a := range got.Annotations {
				if a.StartLine != i+1 || a.Message != fmt.Sprintf("remark %d", i+1) {
					t.Fatalf("annotation %d out of order: %+v", i, a)
				}
			}
		})
	}
}

func TestCheckRunCapsTexts(t *testing.T) {
	limit := githublimit.CheckRunOutputChars
	long := strings.Repeat("é", limit) // 2 bytes each: a cut may fall inside one
	tests := []struct {
		name  string
		run   CheckRun
		field func(githubtest.CheckRun) string
		max   int
	}{
		{"summary", CheckRun{Summary: long}, func(r githubtest.CheckRun) string { return r.Summary }, limit},
		{"text", CheckRun{Summary: "s", Text: long + "x"}, func(r githubtest.CheckRun) string { return r.Text }, limit},
		{"title", CheckRun{Title: strings.Repeat("t", limit+1), Summary: "s"}, func(r githubtest.CheckRun) string { return r.Title }, limit},
		{"annotation title", CheckRun{Summary: "s", Annotations: []Annotation{{Path: "a.yaml", StartLine: 1, Level: AnnotationNotice,
			Message: "m", Title: strings.Repeat("ü", 200)}}}, func(r githubtest.CheckRun) string { return r.Annotations[0].Title }, githublimit.AnnotationTitleChars},
		{"annotation message", CheckRun{Summary: "s", Annotations: []Annotation{{Path: "a.yaml", StartLine: 1, Level: AnnotationFailure,
			Message: long}}}, func(r githubtest.CheckRun) string { return r.Annotations[0].Message }, githublimit.AnnotationDetailsBytes},
		{"raw details", CheckRun{Summary: "s", Annotations: []Annotation{{Path: "a.yaml", StartLine: 1, Level: AnnotationFailure,
			Message: "m", RawDetails: long}}}, func(r githubtest.CheckRun) string { return r.Annotations[0].RawDetails }, githublimit.AnnotationDetailsBytes},
		{"invalid UTF-8", CheckRun{Summary: strings.Repeat("a\xff", limit/3)}, func(r githubtest.CheckRun) string { return r.Summary }, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, gh := checkServer(t)
			r := tt.run
			r.Name, r.HeadSHA = "gitops/plan", testSHA
			if _, _, err := CreateCheckRun(context.Background(), gh, "o", "r", r); err != nil {
				t.Fatal(err)
			}
			got := tt.field(s.CheckRuns("o/r")[0])
			if len(got) > tt.max || !utf8.ValidString(got) {
				t.Errorf("%d bytes (valid UTF-8: %v), want at most %d", len(got), utf8.ValidString(got), tt.max)
			}
			if !strings.Contains(got, "truncated") {
				t.Errorf("no truncation note: …%q", got[max(len(got)-120, 0):])
			}
		})
	}
	t.Run("within the limits untouched", func(t *testing.T) {
		s, gh := checkServer(t)
		exact := strings.Repeat("é", limit/2) // 65534 bytes
		if _, _, err := CreateCheckRun(context.Background(), gh, "o", "r", CheckRun{Name: "n", HeadSHA: testSHA, Summary: exact}); err != nil {
			t.Fatal(err)
		}
		if got := s.CheckRuns("o/r")[0]; got.Summary != exact || got.Title != "n" {
			t.Errorf("summary changed or title not defaulted to the name: %d bytes, title %q", len(got.Summary), got.Title)
		}
	})
}

func TestCreateCheckRunIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, gh := checkServer(t)
	plan := CheckRun{Name: "gitops/plan", HeadSHA: testSHA, Conclusion: ConclusionSuccess, ExternalID: "plan",
		Title: "t", Summary: "s", Annotations: someAnnotations(120)}

	// The first delivery fails after the first 50 annotations (one update refused).
	s.Inject(githubtest.Fault{Method: http.MethodPatch, Path: regexp.MustCompile(`/check-runs/\d+$`), Times: 1,
		Status: http.StatusUnprocessableEntity, Message: "Validation Failed"})
	run, created, err := CreateCheckRun(ctx, gh, "o", "r", plan)
	if err == nil || !created || run.GetID() == 0 || !strings.Contains(err.Error(), "add annotations 51-100 of 120") {
		t.Fatalf("first delivery: %v %v %v", run.GetID(), created, err)
	}
	if n := len(s.CheckRuns("o/r")[0].Annotations); n != 50 {
		t.Fatalf("after the failure the run holds %d annotations", n)
	}

	// The event is delivered again: the same run gets the other 70, then nothing new.
	for i, want := range [][]int{{50, 20}, {0}} {
		before := len(s.Calls())
		again, created, err := CreateCheckRun(ctx, gh, "o", "r", plan)
		if err != nil || created || again.GetID() != run.GetID() {
			t.Fatalf("delivery %d: %v %v %v", i+2, again.GetID(), created, err)
		}
		var sent []int
		for _, c := range s.Calls()[before:] {
			if c.Method == http.MethodPatch {
				var body struct {
					Output struct{ Annotations []any } `json:"output"`
				}
				_ = json.Unmarshal([]byte(c.Body), &body)
				sent = append(sent, len(body.Output.Annotations))
			}
		}
		if fmt.Sprint(sent) != fmt.Sprint(want) {
			t.Errorf("delivery %d sent %v annotations per update, want %v", i+2, sent, want)
		}
	}
	runs := s.CheckRuns("o/r")
	if len(runs) != 1 || len(runs[0].Annotations) != 120 {
		t.Fatalf("runs: %d, annotations %d", len(runs), len(runs[0].Annotations))
	}
	for i, a := range runs[0].Annotations {
		if a.StartLine != i+1 {
			t.Fatalf("annotation %d is line %d", i, a.StartLine)
		}
	}

	// Another external id or name is another run.
	for _, r := range []CheckRun{
		{Name: "gitops/plan", HeadSHA: testSHA, ExternalID: "rerun-1", Status: CheckInProgress},
		{Name: "gitops/apply", HeadSHA: testSHA, ExternalID: "plan", Status: CheckQueued},
	} {
		if _, created, err := CreateCheckRun(ctx, gh, "o", "r", r); err != nil || !created {
			t.Fatalf("%s %s: %v %v", r.Name, r.ExternalID, created, err)
		}
	}
	if n := len(s.CheckRuns("o/r")); n != 3 {
		t.Errorf("%d runs, want 3", n)
	}

	// A result that comes back (plan, re-run, plan again) is a new run: only the
	// newest run of a name counts, so the run GitHub shows is the last one written.
	if _, created, err := CreateCheckRun(ctx, gh, "o", "r", plan); err != nil || !created {
		t.Fatalf("the first result again, after another: created %v, %v", created, err)
	}
	if n := len(s.CheckRuns("o/r")); n != 4 {
		t.Errorf("%d runs, want 4", n)
	}
}

func TestUpdateCheckRun(t *testing.T) {
	ctx := context.Background()
	s, gh := checkServer(t)
	started := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	run, _, err := CreateCheckRun(ctx, gh, "o", "r", CheckRun{Name: "gitops/plan", HeadSHA: testSHA, Status: CheckInProgress,
		StartedAt: started, Title: "Planning", Summary: "working", DetailsURL: "https://example.com/plan"})
	if err != nil {
		t.Fatal(err)
	}
	id := run.GetID()
	steps := []struct {
		name  string
		in    CheckRun
		check func(githubtest.CheckRun) bool
	}{
		{"status only leaves the output", CheckRun{Name: "gitops/plan", Status: CheckQueued},
			func(r githubtest.CheckRun) bool {
				return r.Status == CheckQueued && r.Title == "Planning" && r.Summary == "working"
			}},
		{"output only leaves the status", CheckRun{Name: "gitops/plan", Summary: "still working", Annotations: someAnnotations(60)},
			func(r githubtest.CheckRun) bool {
				return r.Status == CheckQueued && r.Title == "gitops/plan" && r.Summary == "still working" && len(r.Annotations) == 60
			}},
		{"completion appends annotations", CheckRun{Name: "gitops/plan", Conclusion: ConclusionNeutral, CompletedAt: started.Add(time.Minute),
			Title: "Done", Summary: "done", Annotations: someAnnotations(3)},
			func(r githubtest.CheckRun) bool {
				return r.Status == CheckCompleted && r.Conclusion == ConclusionNeutral && r.CompletedAt == "2024-05-01T10:01:00Z" &&
					r.Title == "Done" && len(r.Annotations) == 63 && r.Annotations[62].StartLine == 3
			}},
	}
	for _, st := range steps {
		got, err := UpdateCheckRun(ctx, gh, "o", "r", id, st.in)
		if err != nil || got.GetID() != id {
			t.Fatalf("%s: %v", st.name, err)
		}
		if r := s.CheckRuns("o/r")[0]; !st.check(r) {
			t.Errorf("%s: %+v", st.name, r)
		}
	}
	if r := s.CheckRuns("o/r")[0]; r.StartedAt != "2024-05-01T10:00:00Z" || r.DetailsURL != "https://example.com/plan" {
		t.Errorf("started at %q, details %q", r.StartedAt, r.DetailsURL)
	}
	if _, err := UpdateCheckRun(ctx, gh, "o", "r", 999, CheckRun{Name: "gitops/plan", Status: CheckInProgress}); StatusCode(err) != http.StatusNotFound {
		t.Errorf("unknown run: %v", err)
	}
}

func TestCheckRunRefusesBadInput(t *testing.T) {
	root := filepath.Join(t.TempDir(), "checkout")
	ok := Annotation{Path: "a.yaml", StartLine: 1, Level: AnnotationNotice, Message: "m"}
	with := func(f func(*Annotation)) []Annotation { a := ok; f(&a); return []Annotation{a} }
	tests := []struct {
		name string
		run  CheckRun
		want string
	}{
		{"no name", CheckRun{HeadSHA: testSHA}, "needs a name"},
		{"short sha", CheckRun{Name: "n", HeadSHA: "abc"}, "commit SHA"},
		{"bad status", CheckRun{Name: "n", HeadSHA: testSHA, Status: "done"}, "status"},
		{"completed without conclusion", CheckRun{Name: "n", HeadSHA: testSHA, Status: CheckCompleted}, "needs a conclusion"},
		{"completion time without conclusion", CheckRun{Name: "n", HeadSHA: testSHA, CompletedAt: time.Now()}, "needs a conclusion"},
		{"conclusion while in progress", CheckRun{Name: "n", HeadSHA: testSHA, Status: CheckInProgress, Conclusion: ConclusionSuccess}, "no conclusion"},
		{"stale", CheckRun{Name: "n", HeadSHA: testSHA, Conclusion: "stale"}, "not one a client may set"},
		{"absolute path", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Path = "/etc/passwd" })}, "is absolute"},
		{"windows path", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Path = `C:\repo\a.yaml` })}, "is absolute"},
		{"outside root", CheckRun{Name: "n", HeadSHA: testSHA, Root: root, Annotations: with(func(a *Annotation) { a.Path = "/tmp/a.yaml" })}, "outside the repository root"},
		{"leaves the repository", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Path = "a/../../b.yaml" })}, "not a file inside"},
		{"no path", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Path = "" })}, "no path"},
		{"bad level", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Level = "error" })}, "level"},
		{"line 0", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.StartLine = 0 })}, "start line 0"},
		{"end before start", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.StartLine, a.EndLine = 5, 4 })}, "end line 4 before"},
		{"no message", CheckRun{Name: "n", HeadSHA: testSHA, Annotations: with(func(a *Annotation) { a.Message = "" })}, "no message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, gh := checkServer(t)
			_, _, err := CreateCheckRun(context.Background(), gh, "o", "r", tt.run)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to mention %q", err, tt.want)
			}
			if n := len(s.Calls()); n != 0 {
				t.Errorf("%d requests sent for a refused check run", n)
			}
		})
	}
	t.Run("update needs a name", func(t *testing.T) {
		_, gh := checkServer(t)
		if _, err := UpdateCheckRun(context.Background(), gh, "o", "r", 1, CheckRun{Status: CheckQueued}); err == nil {
			t.Error("no error")
		}
	})
}

func TestCheckRunNormalizesAnnotations(t *testing.T) {
	root := filepath.Join(t.TempDir(), "checkout")
	s, gh := checkServer(t)
	in := []Annotation{
		{Path: "./apps//web/../web/deploy.yaml", StartLine: 3, StartColumn: 2, EndColumn: 9, Level: AnnotationFailure, Message: "m"},
		{Path: filepath.Join(root, "apps", "db.yaml"), StartLine: 3, EndLine: 5, StartColumn: 2, EndColumn: 9, Level: AnnotationWarning, Message: "m"},
	}
	if _, _, err := CreateCheckRun(context.Background(), gh, "o", "r", CheckRun{Name: "n", HeadSHA: testSHA, Root: root, Summary: "s", Annotations: in}); err != nil {
		t.Fatal(err)
	}
	want := []githubtest.Annotation{
		{Path: "apps/web/deploy.yaml", StartLine: 3, EndLine: 3, StartColumn: 2, EndColumn: 9, Level: AnnotationFailure, Message: "m"},
		{Path: "apps/db.yaml", StartLine: 3, EndLine: 5, Level: AnnotationWarning, Message: "m"}, // columns only on one line
	}
	if got := s.CheckRuns("o/r")[0].Annotations; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("annotations\n got %+v\nwant %+v", got, want)
	}
}

func TestListCheckRunsForRef(t *testing.T) {
	ctx := context.Background()
	s, gh := checkServer(t)
	s.PerPage = 2
	for i, name := range []string{"a", "b", "a", "a", "c"} {
		if _, _, err := CreateCheckRun(ctx, gh, "o", "r", CheckRun{Name: name, HeadSHA: testSHA, ExternalID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		want int
	}{{"", 5}, {"a", 3}, {"b", 1}, {"z", 0}} {
		runs, err := ListCheckRunsForRef(ctx, gh, "o", "r", testSHA, tt.name)
		if err != nil || len(runs) != tt.want {
			t.Errorf("%q: %d runs, want %d (%v)", tt.name, len(runs), tt.want, err)
		}
	}
	// 5 creates (each looked up first) and 4 listings: the pages followed Link headers.
	if n := s.CountCalls(http.MethodGet, "/check-runs"); n < 9 {
		t.Errorf("%d listing calls", n)
	}
}
