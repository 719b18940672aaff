package browsertest_test

import (
	"fmt"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
)

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Status — app</title><style>td, th { border: 1px solid #888; padding: 4px }</style></head>
<body>
<h1 id="title">Grüße → déployé ✓</h1>
<p id="intro">Revision <code>a1b2c3d</code> applied <b>2</b> changes.</p>
<table id="changes">
<thead><tr><th>Kind</th><th>Name</th><th>Action</th></tr></thead>
<tbody>
<tr><td>Deployment</td><td>web</td><td>update</td></tr>
<tr><td>ConfigMap</td><td>straße</td><td>create</td></tr>
</tbody>
</table>
<details id="diff"><summary>Diff (1 line)</summary><pre>- replicas: 1
+ replicas: 3</pre></details>
<p hidden>never shown</p>
<script>document.body.insertAdjacentHTML("beforeend", "<p id=\"js\">by script</p>")</script>
</body></html>`

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestLoad(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	for _, tc := range []struct {
		name          string
		window        browsertest.Option
		width, height int
	}{
		{"phone", browsertest.Phone, 390, 844},
		{"desktop", browsertest.Desktop, 1280, 900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := browsertest.Load(t, srv.URL+"/status", tc.window, browsertest.WithScreenshot("status.png"))
			t.Logf("Load took %v; screenshot %s", p.Took, p.Screenshot)

			want := "Grüße → déployé ✓ Revision a1b2c3d applied 2 changes. Kind Name Action " +
				"Deployment web update ConfigMap straße create Diff (1 line) - replicas: 1 + replicas: 3 by script"
			if got := p.Text(); got != want {
				t.Errorf("Text:\n got %q\nwant %q", got, want)
			}
			if got := p.TextOf("title"); got != "Grüße → déployé ✓" {
				t.Errorf("TextOf(title) = %q", got)
			}
			if got := p.TextOf("js"); got != "by script" {
				t.Errorf("the DOM is not the one after load: TextOf(js) = %q", got)
			}
			if titles := p.ElementsByTag("title"); len(titles) != 1 || titles[0].Text != "Status — app" {
				t.Errorf("title elements: %+v", titles)
			}
			var cells []string
			for _, td := range p.ElementsByTag("td") {
				cells = append(cells, td.Text)
			}
			if got := strings.Join(cells, "|"); got != "Deployment|web|update|ConfigMap|straße|create" {
				t.Errorf("cells: %s", got)
			}
			if d, ok := p.ElementByID("diff"); !ok || d.Tag != "details" {
				t.Errorf("details: %+v %v", d, ok)
			} else if _, open := d.Attrs["open"]; open {
				t.Error("the details element is open")
			}
			if !strings.Contains(p.HTML, "<tbody>") {
				t.Errorf("HTML is not Chromium's DOM:\n%s", p.HTML)
			}

			if want := filepath.Join(browsertest.OutputDir(t), "status.png"); p.Screenshot != want {
				t.Errorf("screenshot at %s, want %s", p.Screenshot, want)
			}
			f, err := os.Open(p.Screenshot)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.width || b.Dy() != tc.height {
				t.Errorf("screenshot is %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.width, tc.height)
			}
			checkNoChromiumLeft(t)
		})
	}
}

// fatal runs Load with a testing.TB whose Fatal stops only Load, and returns the message.
func fatal(t *testing.T, url string, opts ...browsertest.Option) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		browsertest.Load(r, url, opts...)
	}()
	<-done
	if r.msg == "" {
		t.Fatalf("Load(%s) did not fail", url)
	}
	return r.msg
}

type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestLoadFails(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		msg := fatal(t, "http://"+addr+"/")
		if !strings.Contains(msg, "ERR_CONNECTION_REFUSED") {
			t.Errorf("message: %s", msg)
		}
		checkNoChromiumLeft(t)
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
		start := time.Now()
		msg := fatal(t, srv.URL, browsertest.WithTimeout(3*time.Second))
		if !strings.Contains(msg, "within 3s and was killed") {
			t.Errorf("message: %s", msg)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("Load returned %v after its timeout", d)
		}
		checkNoChromiumLeft(t)
	})
	t.Run("not a URL", func(t *testing.T) {
		if msg := fatal(t, "javascript:alert(1)"); !strings.Contains(msg, "not an http") {
			t.Errorf("message: %s", msg)
		}
	})
}

// checkNoChromiumLeft fails if a process still has this test's temporary directory (where
// Load puts Chromium's profile and home) on its command line or in its environment, which
// every process Chromium starts inherits.
func checkNoChromiumLeft(t *testing.T) {
	t.Helper()
	root := filepath.Dir(t.TempDir())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		environ, _ := os.ReadFile(filepath.Join(d, "environ"))
		if strings.Contains(string(cmdline), root) || strings.Contains(string(environ), root) {
			t.Errorf("still running: %s %s", d, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}
