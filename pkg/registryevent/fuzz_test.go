package registryevent

import "testing"

// FuzzParse: whatever the body, Detect and Parse never panic, and every event they
// return names a valid repository and tag of the detected format.
func FuzzParse(f *testing.F) {
	for _, body := range payloads(f) {
		f.Add("", "application/json", body)
	}
	f.Add("", EnvelopeMediaType, []byte(`{"events":[{"action":"push","target":{"repository":"a","tag":"b"},"request":{"host":"h:1"}}]}`))
	f.Add("quay", "application/json", []byte(`{"docker_url":"quay.io/a/b","updated_tags":{"x":1}}`))
	f.Add("harbor", "", []byte(`{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"resource_url":"h/a:b"}]}}`))
	f.Fuzz(func(t *testing.T, explicit, contentType string, body []byte) {
		format, err := Detect(explicit, contentType, body)
		if err != nil {
			return
		}
		evs, err := Parse(format, body)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Format != format || e.Tag == "" {
				t.Fatalf("event %+v of a %s notification", e, format)
			}
			if _, err := NewEvent(format, e.Repository, e.Tag, e.Digest, e.ID); err != nil {
				t.Fatalf("event %+v does not parse again: %v", e, err)
			}
		}
	})
}
