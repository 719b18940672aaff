package githubapp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// maxErrorBody bounds how much of an error response is read to scrub secrets from it.
const maxErrorBody = 1 << 20

// NewClient returns a go-github v60 client authenticated with token.
//
// httpClient may be nil (a new http.Client is used); it is copied, never modified.
// token may be empty (no Authorization header, e.g. in tests). baseURL "" means
// https://api.github.com/; otherwise it is the API root used as is, e.g.
// "https://ghe.example.com/api/v3" or a test server's URL, and a trailing slash
// is added when missing. Error responses are scrubbed of the token, so errors
// built from them never reveal it.
func NewClient(httpClient *http.Client, token, baseURL string) (*github.Client, error) {
	hc := &http.Client{}
	if httpClient != nil {
		c := *httpClient
		hc = &c
	}
	if token != "" {
		hc.Transport = &redactTransport{secret: token, base: hc.Transport}
	}
	client := github.NewClient(hc)
	if token != "" {
		client = client.WithAuthToken(token)
	}
	if baseURL == "" {
		return client, nil
	}
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	client.BaseURL = base
	client.UploadURL = uploadURLFor(base)
	return client, nil
}

// parseBaseURL checks that s is an absolute http(s) URL and ends it with a slash.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("parse GitHub API URL %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parse GitHub API URL %q: want an absolute http(s) URL such as https://ghe.example.com/api/v3", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("parse GitHub API URL %s: credentials do not belong in the URL, pass a token", u.Redacted())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// uploadURLFor derives the upload root from an API root: GitHub Enterprise
// serves uploads at /api/uploads/ beside /api/v3/; any other root (a test server)
// serves both, so no request ever leaves for github.com with this token.
func uploadURLFor(base *url.URL) *url.URL {
	u := *base
	if p, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = p + "/api/uploads/"
	}
	return &u
}

// redactTransport replaces secret in the bodies of error responses with
// "[REDACTED]", so a server or proxy echoing request headers cannot leak it into
// error messages or logs.
type redactTransport struct {
	secret string
	base   http.RoundTripper
}

func (t *redactTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = netguard.Transport()
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 || resp.Body == nil {
		return resp, err
	}
	// A read error leaves a partial body; the status code still tells what happened.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	data = bytes.ReplaceAll(data, []byte(t.secret), []byte("[REDACTED]"))
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	return resp, nil
}
