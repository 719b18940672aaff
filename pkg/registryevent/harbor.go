package registryevent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// harborHook is a Harbor webhook in its Default payload format (docs: "Configure
// Webhook Notifications", goharbor.io/docs/latest/working-with-projects/
// project-configuration/configure-webhooks). Only PUSH_ARTIFACT reports a push; each
// resource is one artifact, resource_url naming it with Harbor's external host.
type harborHook struct {
	Type      string      `json:"type"`
	OccurAt   json.Number `json:"occur_at"`
	EventData *struct {
		Resources []struct {
			Digest      string `json:"digest"`
			Tag         string `json:"tag"`
			ResourceURL string `json:"resource_url"`
		} `json:"resources"`
	} `json:"event_data"`
}

func parseHarbor(body []byte) ([]Event, error) {
	var h harborHook
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if h.Type == "" {
		return nil, fmt.Errorf("no type")
	}
	if h.Type != "PUSH_ARTIFACT" {
		return nil, nil // pulls, deletes, scans, quotas, replication
	}
	if h.EventData == nil {
		return nil, fmt.Errorf("PUSH_ARTIFACT without event_data")
	}
	var out []Event
	for i, r := range h.EventData.Resources {
		where := fmt.Sprintf("event_data.resources[%d]", i)
		if r.ResourceURL == "" {
			return nil, fmt.Errorf("%s: no resource_url", where)
		}
		ref, err := name.ParseReference(strings.TrimPrefix(strings.TrimPrefix(r.ResourceURL, "https://"), "http://"))
		if err != nil {
			return nil, fmt.Errorf("%s: resource_url %q: %w", where, r.ResourceURL, err)
		}
		tag := r.Tag
		if strings.Contains(tag, ":") {
			tag = "" // a push by digest (e.g. by replication) names the digest as its tag
		}
		if t, ok := ref.(name.Tag); ok && tag == "" && strings.HasSuffix(r.ResourceURL, ":"+t.TagStr()) {
			tag = t.TagStr()
		}
		if tag == "" {
			continue // pushed by digest only
		}
		id := ""
		if h.OccurAt != "" {
			id = fmt.Sprintf("harbor:%s:%s@%s", ref.Context().Name(), tag, h.OccurAt)
		}
		ev, err := NewEvent(FormatHarbor, ref.Context().Name(), tag, r.Digest, id)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
