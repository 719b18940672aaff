package registryevent

import (
	"encoding/json"
	"fmt"
	"sort"
)

// quayHook is Quay's "Repository Push" notification (docs: Red Hat Quay, "Repository
// Notifications", docs.redhat.com/en/documentation/red_hat_quay/3.4/html/
// use_red_hat_quay/repository_notifications): docker_url names the repository with
// Quay's host; updated_tags lists the tags pushed (older Quay sent a map of tag to
// image id). It has no id.
type quayHook struct {
	DockerURL   string          `json:"docker_url"`
	UpdatedTags json.RawMessage `json:"updated_tags"`
}

func parseQuay(body []byte) ([]Event, error) {
	var h quayHook
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if h.DockerURL == "" {
		return nil, fmt.Errorf("no docker_url")
	}
	var tags []string
	if err := json.Unmarshal(h.UpdatedTags, &tags); err != nil {
		var byTag map[string]json.RawMessage
		if err2 := json.Unmarshal(h.UpdatedTags, &byTag); err2 != nil {
			return nil, fmt.Errorf("updated_tags: want a list of tags: %w", err)
		}
		for t := range byTag {
			tags = append(tags, t)
		}
		sort.Strings(tags)
	}
	out := make([]Event, 0, len(tags))
	for i, t := range tags {
		if t == "" {
			return nil, fmt.Errorf("updated_tags[%d]: empty tag", i)
		}
		ev, err := NewEvent(FormatQuay, h.DockerURL, t, "", "")
		if err != nil {
			return nil, fmt.Errorf("docker_url, updated_tags[%d]: %w", i, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
