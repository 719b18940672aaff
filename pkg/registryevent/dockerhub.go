package registryevent

import (
	"encoding/json"
	"fmt"
)

// dockerHubHook is a Docker Hub repository webhook (docs: "Webhooks",
// docs.docker.com/docker-hub/repos/manage/webhooks): one push of one tag. It has no
// id; the repository, tag and push time name a delivery instead, so a redelivery is
// taken once.
type dockerHubHook struct {
	PushData *struct {
		PushedAt json.Number `json:"pushed_at"` // seconds; written 1.417566161e+09 by older senders
		Tag      string      `json:"tag"`
	} `json:"push_data"`
	Repository struct {
		RepoName string `json:"repo_name"` // "namespace/name"
	} `json:"repository"`
}

func parseDockerHub(body []byte) ([]Event, error) {
	var h dockerHubHook
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if h.PushData == nil {
		return nil, fmt.Errorf("no push_data")
	}
	if h.Repository.RepoName == "" {
		return nil, fmt.Errorf("no repository.repo_name")
	}
	if h.PushData.Tag == "" {
		return nil, nil // an automated build's push without a tag: nothing to bump to
	}
	id := ""
	if h.PushData.PushedAt != "" {
		id = fmt.Sprintf("dockerhub:%s:%s@%s", h.Repository.RepoName, h.PushData.Tag, h.PushData.PushedAt)
	}
	ev, err := NewEvent(FormatDockerHub, "docker.io/"+h.Repository.RepoName, h.PushData.Tag, "", id)
	if err != nil {
		return nil, fmt.Errorf("repository.repo_name, push_data.tag: %w", err)
	}
	return []Event{ev}, nil
}
