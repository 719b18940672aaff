package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
)

// A test of a status page: serve it on loopback, load it at a phone's width with a
// screenshot (test-output/TestStatusPage/phone.png after the run), and check what a reader
// sees.
func Example() {
	_ = func(t *testing.T) { // func TestStatusPage(t *testing.T)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><h1 id="state">Applied ✓</h1>`)
		}))
		defer srv.Close()

		p := browsertest.Load(t, srv.URL, browsertest.Phone, browsertest.WithScreenshot("phone.png"))
		if got := p.TextOf("state"); got != "Applied ✓" {
			t.Errorf("state: %q", got)
		}
		if strings.Contains(p.Text(), "token") {
			t.Error("the page shows a token")
		}
		for _, row := range p.ElementsByTag("tr") {
			t.Log(row.Text)
		}
	}
}
