package plan

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countingMapper counts lookups and can forget a kind, as discovery does when a CRD
// is deleted.
type countingMapper struct {
	meta.ResettableRESTMapper
	calls  int
	forget bool
}

func (m *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.calls++
	if m.forget {
		return nil, &meta.NoKindMatchError{GroupKind: gk}
	}
	return &meta.RESTMapping{GroupVersionKind: gk.WithVersion("v1")}, nil
}

func (m *countingMapper) Reset() {}

func TestCachedMapper(t *testing.T) {
	inner := &countingMapper{}
	m := CachedMapper(inner)
	cm := schema.GroupKind{Kind: "ConfigMap"}
	for i := 0; i < 3; i++ {
		if _, err := m.RESTMapping(cm, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.RESTMapping(cm); err != nil {
		t.Fatal(err)
	}
	if inner.calls != 2 {
		t.Errorf("%d lookups for one kind with and without a version, want 2", inner.calls)
	}
	m.Reset()
	inner.forget = true
	if _, err := m.RESTMapping(cm, "v1"); err == nil {
		t.Error("a mapping was remembered across Reset")
	}
	if _, err := m.RESTMapping(cm, "v1"); err == nil || inner.calls != 4 {
		t.Errorf("a failed lookup was remembered (calls %d)", inner.calls)
	}
}
