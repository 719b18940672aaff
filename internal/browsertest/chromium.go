package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kubectl-gitops/kubectl-gitops/internal/lifetime"
)

// Path is Debian's Chromium (package chromium), which hack/test-tools.sh installs.
const Path = "/usr/bin/chromium"

// Flags are what every Load passes to Chromium: headless, no sandbox (tests run as root),
// no GPU, and nothing that reaches the network by itself (background networking, component
// updates, sync, QUIC); on this project's machines any other connection is refused. Each
// Load adds a fresh --user-data-dir, --window-size and --dump-dom.
var Flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars",
}

// DefaultTimeout bounds one Load unless WithTimeout says otherwise; on this machine a load
// of a small page on loopback takes about a second.
const DefaultTimeout = 60 * time.Second

// Chromium returns the path of the browser. When it is missing the test fails (it is never
// skipped) with a message that says how to install it.
func Chromium(t testing.TB) string {
	t.Helper()
	fi, err := os.Stat(Path)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("browsertest: %s is missing (Debian package chromium); run `make test-tools` "+
			"(hack/test-tools.sh installs it with apt-get)", Path)
	}
	return Path
}

type config struct {
	width, height int
	screenshot    string
	timeout       time.Duration
}

// An Option changes how Load loads a page.
type Option func(*config)

// WithWindow sets the browser window's size in CSS pixels (the screenshot's size too). The
// default is Desktop's.
func WithWindow(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// Phone is a phone's window (390×844, an iPhone 12 to 15); Desktop a laptop's (1280×900).
var (
	Phone   = WithWindow(390, 844)
	Desktop = WithWindow(1280, 900)
)

// WithScreenshot asks for a PNG of the window after load, written to path; a relative path
// is under OutputDir(t), so a person can look at it after the run.
func WithScreenshot(path string) Option {
	return func(c *config) { c.screenshot = path }
}

// WithTimeout bounds the load (DefaultTimeout otherwise); Chromium is killed when it is
// over.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Load loads rawURL (http, https or file) in headless Chromium and returns the DOM after
// the load event and, when asked, a screenshot. The test fails if Chromium is missing,
// fails, times out or shows its own error page (connection refused and the like).
func Load(t testing.TB, rawURL string, opts ...Option) *Page {
	t.Helper()
	bin := Chromium(t)
	c := config{timeout: DefaultTimeout}
	Desktop(&c)
	for _, o := range opts {
		o(&c)
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
		t.Fatalf("browsertest: %q is not an http, https or file URL", rawURL)
	}
	if c.width <= 0 || c.height <= 0 {
		t.Fatalf("browsertest: window %d×%d", c.width, c.height)
	}
	if c.screenshot != "" {
		if !filepath.IsAbs(c.screenshot) {
			c.screenshot = filepath.Join(OutputDir(t), c.screenshot)
		}
		if err := os.MkdirAll(filepath.Dir(c.screenshot), 0o755); err != nil {
			t.Fatalf("browsertest: %v", err)
		}
		if err := os.Remove(c.screenshot); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("browsertest: %v", err)
		}
	}

	home := t.TempDir() // profile, home and caches: nothing of the user's is read or written
	args := append(append([]string{}, Flags...),
		"--user-data-dir="+filepath.Join(home, "profile"),
		fmt.Sprintf("--window-size=%d,%d", c.width, c.height))
	if c.screenshot != "" {
		args = append(args, "--screenshot="+c.screenshot)
	}
	args = append(args, "--dump-dom", rawURL)

	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, &stdout, &stderr
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second

	start := time.Now()
	if err := lifetime.StartChild(cmd); err != nil { // own process group, SIGKILL when the test process dies
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	err := waitKillGroup(cmd)
	took := time.Since(start)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("browsertest: chromium did not load %s within %v and was killed; its stderr:\n%s",
			rawURL, c.timeout, stderrForHumans(stderr.String()))
	case err != nil:
		t.Fatalf("browsertest: chromium %s: %v; its stderr:\n%s", rawURL, err, stderrForHumans(stderr.String()))
	}

	doc, err := html.Parse(bytes.NewReader(stdout.Bytes()))
	if err != nil || stdout.Len() == 0 {
		t.Fatalf("browsertest: chromium dumped no DOM for %s (%v); its stderr:\n%s",
			rawURL, err, stderrForHumans(stderr.String()))
	}
	p := &Page{URL: rawURL, HTML: stdout.String(), Width: c.width, Height: c.height, Took: took, t: t, doc: doc}
	if code, ok := errorPage(doc); ok {
		t.Fatalf("browsertest: chromium could not load %s: %s", rawURL, code)
	}
	if c.screenshot != "" {
		if fi, err := os.Stat(c.screenshot); err != nil || fi.Size() == 0 {
			t.Fatalf("browsertest: chromium wrote no screenshot of %s to %s; its stderr:\n%s",
				rawURL, c.screenshot, stderrForHumans(stderr.String()))
		}
		p.Screenshot = c.screenshot
	}
	return p
}

var netError = regexp.MustCompile(`(?:net::)?ERR_[A-Z0-9_]+`)

// errorPage tells whether doc is Chromium's own page for a load that failed, and its error
// code.
func errorPage(doc *html.Node) (string, bool) {
	body := find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "body" })
	if body == nil {
		return "", false
	}
	isError := strings.Contains(" "+attr(body, "class")+" ", " neterror ") ||
		find(doc, func(n *html.Node) bool { return attr(n, "id") == "main-frame-error" }) != nil
	if !isError {
		return "", false
	}
	if code := netError.FindString(nodeText(body)); code != "" {
		return code, true
	}
	return "Chromium's error page", true
}

// stderrForHumans leaves out the lines Chromium always writes on a machine without D-Bus
// (and the Debian wrapper's complaint about /dev/shm's size), and keeps the last 16 KiB.
func stderrForHumans(s string) string {
	var kept []string
	noise := 0
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.Contains(line, ":ERROR:dbus/") || strings.Contains(line, "unexpected operator") {
			noise++
			continue
		}
		kept = append(kept, line)
	}
	out := strings.Join(kept, "\n")
	if len(out) > 16<<10 {
		out = "…" + out[len(out)-16<<10:]
	}
	if noise > 0 {
		out += fmt.Sprintf("\n(%d lines about D-Bus and /dev/shm left out)", noise)
	}
	return out
}
