package gitrepotest

import (
	"crypto/rand"
	"encoding/base64"
	"testing"
)

// RandomText is about n bytes of random base64 text ending in a newline: a file
// content that neither compresses nor deltas against another.
func RandomText(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n*3/4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b) + "\n"
}
