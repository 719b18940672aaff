package registryevent_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// A distribution registry (Debian's docker-registry, CNCF distribution) notifies a push:
// its envelope holds a layer push, a manifest push by tag, a pull and a push by digest
// only. Parse keeps the one that counts: the tag pushed.
func ExampleParse() {
	data, err := os.ReadFile("testdata/distribution-push.jsonc")
	if err != nil {
		panic(err)
	}
	body := withoutComments(data)
	format, err := registryevent.Detect("", registryevent.EnvelopeMediaType, body)
	if err != nil {
		panic(err)
	}
	events, err := registryevent.Parse(format, body)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Printf("%s: %s:%s\n", e.Format, e.Repository, e.Tag)
	}
	// Output:
	// distribution: registry.example.com:5000/shop/web:1.2.0
}

// withoutComments drops the leading // lines of a testdata file (they cite the
// documentation the payload follows).
func withoutComments(data []byte) []byte {
	for bytes.HasPrefix(data, []byte("//")) {
		_, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			return nil
		}
		data = rest
	}
	return data
}
