package registryevent

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// ErrUnauthorized is what Authenticate returns for a request without the secret.
var ErrUnauthorized = errors.New("unauthorized")

// Authenticate checks that r carries secret, the way format's sender can send it:
//   - "Authorization: Bearer SECRET": the headers of a distribution endpoint, or any
//     sender that can set a header;
//   - "Authorization: SECRET": Harbor's "Auth Header" as typed;
//   - the query parameter token=SECRET, for dockerhub and quay only: their webhooks
//     are a bare URL, with no header and no signature.
//
// None of these formats signs its body (GitHub's package events, which are signed,
// come through /webhook and its HMAC check). Values are compared in constant time.
func Authenticate(r *http.Request, format string, secret []byte) error {
	if len(secret) == 0 {
		return errors.New("no registry webhook secret configured")
	}
	header, token := credentials(r, secret)
	if header || token && TokenFormat(format) {
		return nil
	}
	return ErrUnauthorized
}

// TokenFormat says whether a notification of format may carry the secret in the URL
// (?token=): Docker Hub's and Quay's, whose webhooks are a bare URL.
func TokenFormat(format string) bool { return format == FormatDockerHub || format == FormatQuay }

// credentials says whether r carries secret in its Authorization header, and whether
// it does in its ?token= query parameter. Neither needs the body: a request with
// neither is refused before the body is read.
func credentials(r *http.Request, secret []byte) (header, token bool) {
	if len(secret) == 0 {
		return false, false
	}
	want := sha256.Sum256(secret)
	match := func(v string) bool {
		got := sha256.Sum256([]byte(v))
		return v != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	if a := r.Header.Get("Authorization"); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") && match(strings.TrimSpace(a[7:])) {
			header = true
		} else if match(strings.TrimSpace(a)) {
			header = true
		}
	}
	return header, match(r.URL.Query().Get("token"))
}
