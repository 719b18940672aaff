package registryevent

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// envelope is the distribution notification envelope (docs: "Work with
// notifications", distribution.github.io/distribution/about/notifications): events
// of manifest and blob pushes and pulls, each with an id that stays the same when
// the registry sends it again.
type envelope struct {
	Events []struct {
		ID     string `json:"id"`
		Action string `json:"action"`
		Target struct {
			MediaType  string `json:"mediaType"`
			Digest     string `json:"digest"`
			Repository string `json:"repository"`
			URL        string `json:"url"`
			Tag        string `json:"tag"`
		} `json:"target"`
		Request struct {
			Host string `json:"host"`
		} `json:"request"`
	} `json:"events"`
}

// parseDistribution keeps the pushes of manifests by tag; the registry is the host
// the pusher addressed (request.host), else target.url's.
func parseDistribution(body []byte) ([]Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if env.Events == nil {
		return nil, fmt.Errorf("no events array")
	}
	var out []Event
	for i, e := range env.Events {
		t := e.Target
		if e.Action != "push" || t.Tag == "" || strings.Contains(t.URL, "/blobs/") {
			continue // pulls, deletes, blobs, pushes by digest
		}
		where := fmt.Sprintf("events[%d] (id %q)", i, e.ID)
		if t.Repository == "" {
			return nil, fmt.Errorf("%s: no target.repository", where)
		}
		host := e.Request.Host
		if host == "" && t.URL != "" {
			u, err := url.Parse(t.URL)
			if err != nil {
				return nil, fmt.Errorf("%s: target.url: %w", where, err)
			}
			host = u.Host
		}
		if host == "" {
			return nil, fmt.Errorf("%s: neither request.host nor target.url names the registry", where)
		}
		ev, err := NewEvent(FormatDistribution, host+"/"+t.Repository, t.Tag, t.Digest, e.ID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
