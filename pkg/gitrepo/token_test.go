package gitrepo

import (
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

func TestTokenAuth(t *testing.T) {
	a := TokenAuth("ghs_s3cret")
	ba, ok := a.(*githttp.BasicAuth)
	if !ok || ba.Username != "x-access-token" || ba.Password != "ghs_s3cret" {
		t.Fatalf("TokenAuth() = %#v, want basic auth x-access-token with the token", a)
	}
	if strings.Contains(a.String(), "s3cret") {
		t.Errorf("String() shows the token: %s", a)
	}
}
