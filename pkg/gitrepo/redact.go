package gitrepo

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// userinfoRe matches the user info of a URL inside any text: "scheme://user:pass@".
var userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s"'<>]*@`)

// RedactURL returns s with the user info (user name, password, token) removed from
// every URL in it, so it can be printed or logged. Paths and scp-like ssh addresses
// (git@host:org/repo) are returned unchanged.
func RedactURL(s string) string {
	return userinfoRe.ReplaceAllString(s, "$1")
}

// redactor masks credentials in error messages: URL user info and the known secrets.
type redactor struct {
	secrets []string
}

// newRedactor collects the secrets of the raw URL and of the auth method.
func newRedactor(rawURL string, auth transport.AuthMethod) redactor {
	var r redactor
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			r.add(p)
		} else if u.Scheme == "http" || u.Scheme == "https" {
			// https://TOKEN@host/...: the user name is the secret.
			r.add(u.User.Username())
		}
	}
	r.addAuth(auth)
	return r
}

func (r *redactor) addAuth(auth transport.AuthMethod) {
	switch a := auth.(type) {
	case *githttp.BasicAuth:
		r.add(a.Password)
	case *githttp.TokenAuth:
		r.add(a.Token)
	case *credentials:
		r.addAuth(a.web)
	}
}

func (r *redactor) add(secret string) {
	if secret != "" {
		r.secrets = append(r.secrets, secret)
		if esc := url.QueryEscape(secret); esc != secret {
			r.secrets = append(r.secrets, esc)
		}
	}
}

// text removes user info from URLs in s and masks every secret.
func (r redactor) text(s string) string {
	s = RedactURL(s)
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// err returns err with a redacted message; errors.Is/As still see the original chain.
func (r redactor) err(err error) error {
	return redact.ErrorWith(err, r.text)
}
