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
	want := sha256.Sum256(secret)
	match := func(v string) bool {
		got := sha256.Sum256([]byte(v))
		return v != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	if a := r.Header.Get("Authorization"); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") && match(strings.TrimSpace(a[7:])) {
			return nil
		}
		if match(strings.TrimSpace(a)) {
			return nil
		}
	}
	if format == FormatDockerHub || format == FormatQuay {
		if match(r.URL.Query().Get("token")) {
			return nil
		}
	}
	return ErrUnauthorized
}
