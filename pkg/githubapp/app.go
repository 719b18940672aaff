package githubapp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// App is a GitHub App: clients authenticated as the App itself (a JWT signed with
// its private key) and as each installation (an installation token, fetched on
// first use, cached, and refreshed a minute before it expires). One App serves every
// installation; the installation of an event comes with the event.
type App struct {
	id      int64
	baseURL string // API root, ending in "/"
	base    http.RoundTripper
	apps    *ghinstallation.AppsTransport

	wrap func(installation int64, rt http.RoundTripper) http.RoundTripper

	mu    sync.Mutex
	insts map[int64]*ghinstallation.Transport
}

// AppOption configures an App.
type AppOption func(*App)

// WithTransportWrapper wraps every client's transport, e.g. to count calls per
// installation (0 for the App's own calls).
func WithTransportWrapper(w func(installation int64, rt http.RoundTripper) http.RoundTripper) AppOption {
	return func(a *App) { a.wrap = w }
}

// NewApp reads the App's private key (PEM) and returns the App. baseURL "" is
// api.github.com; otherwise the API root of GitHub Enterprise ("https://ghe/api/v3")
// or of a test server. base may be nil (netguard.Transport: Go's default transport is closed).
func NewApp(id int64, privateKeyPEM []byte, baseURL string, base http.RoundTripper, opts ...AppOption) (*App, error) {
	if id <= 0 {
		return nil, fmt.Errorf("GitHub App id %d: want the App's numeric id", id)
	}
	if base == nil {
		base = netguard.Transport()
	}
	if baseURL == "" {
		baseURL = "https://api.github.com/"
	}
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	apps, err := ghinstallation.NewAppsTransport(base, id, privateKeyPEM)
	if err != nil {
		// The error names the parse step only, never the key's content.
		return nil, fmt.Errorf("GitHub App private key: not an RSA private key in PEM form (%s)", keyErrorKind(err))
	}
	apps.BaseURL = strings.TrimSuffix(u.String(), "/")
	a := &App{id: id, baseURL: u.String(), base: base, apps: apps, insts: map[int64]*ghinstallation.Transport{},
		wrap: func(_ int64, rt http.RoundTripper) http.RoundTripper { return rt }}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// ID is the App's id.
func (a *App) ID() int64 { return a.id }

// AppClient is a client authenticated as the App (for /app endpoints: the App
// itself, its installations, their tokens).
func (a *App) AppClient() *github.Client {
	c, _ := NewClient(&http.Client{Transport: a.wrap(0, a.apps)}, "", a.baseURL)
	return c
}

// transport is the cached token transport of installation id.
func (a *App) transport(id int64) *ghinstallation.Transport {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.insts[id]
	if !ok {
		// Each installation's transport gets its own copy of the App's: ghinstallation
		// writes the AppsTransport's BaseURL and Client at every token refresh, under the
		// installation transport's lock only, so a shared one is a data race between two
		// installations' refreshes. The copy shares the signer and the round tripper,
		// both safe for concurrent use.
		apps := *a.apps
		t = ghinstallation.NewFromAppsTransport(&apps, id)
		t.BaseURL = a.apps.BaseURL
		a.insts[id] = t
	}
	return t
}

// Installation is a client authenticated as installation id. Clients share one
// cached token per installation.
func (a *App) Installation(id int64) *github.Client {
	c, _ := NewClient(&http.Client{Transport: a.wrap(id, a.transport(id))}, "", a.baseURL)
	return c
}

// Token is a current token of installation id, e.g. for git over HTTPS
// (user "x-access-token"). Never log it.
func (a *App) Token(ctx context.Context, id int64) (string, error) {
	tok, err := a.transport(id).Token(ctx)
	if err != nil {
		return "", fmt.Errorf("installation %d token: %w", id, err)
	}
	return tok, nil
}

// Forget drops the cached token of an installation that was removed.
func (a *App) Forget(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.insts, id)
}

// Check asks GitHub who the App is: it fails when the key or id is wrong. It
// returns the App's slug, whose "[bot]" login writes the App's comments.
func (a *App) Check(ctx context.Context) (string, error) {
	var app *github.App
	err := callAPI(ctx, fmt.Sprintf("GitHub App %d", a.id), appHints(), func(ctx context.Context) error {
		var err error
		app, _, err = a.AppClient().Apps.Get(ctx, "")
		return err
	})
	if err != nil {
		return "", err
	}
	return app.GetSlug(), nil
}

// keyErrorKind keeps only the kind of a key parse error: the library's messages
// do not quote the key, but keep it that way whatever the library does.
func keyErrorKind(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
