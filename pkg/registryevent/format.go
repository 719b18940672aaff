package registryevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// The formats of registry notifications, as named in Event.Format and in the
// ?format= query parameter of the bot's /hooks/registry.
const (
	FormatDistribution  = "distribution"   // the distribution notification envelope
	FormatDockerHub     = "dockerhub"      // Docker Hub repository webhooks
	FormatHarbor        = "harbor"         // Harbor webhooks, Default payload format
	FormatQuay          = "quay"           // Quay repository push notifications
	FormatGitHubPackage = "github-package" // GitHub's package and registry_package events (GHCR)
)

// Formats are the formats Parse reads, in the order Detect tries their shapes.
var Formats = []string{FormatDistribution, FormatDockerHub, FormatHarbor, FormatQuay}

// EnvelopeMediaType is the Content-Type of the distribution notification envelope.
const EnvelopeMediaType = "application/vnd.docker.distribution.events.v1+json"

// ErrUnknownFormat is wrapped by Detect's errors.
var ErrUnknownFormat = errors.New("unknown notification format")

// Detect names the format of a notification: explicit (the ?format= parameter, when
// not empty), else by Content-Type (the distribution envelope has its own media
// type), else by the JSON body's shape. The error says what is wrong.
func Detect(explicit, contentType string, body []byte) (string, error) {
	if explicit != "" {
		for _, f := range Formats {
			if explicit == f {
				return f, nil
			}
		}
		return "", fmt.Errorf("%w %q in ?format= (want one of %s)", ErrUnknownFormat, explicit, strings.Join(Formats, ", "))
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil &&
		strings.HasPrefix(mt, "application/vnd.docker.distribution.events.") && strings.HasSuffix(mt, "+json") {
		return FormatDistribution, nil
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&top); err != nil {
		return "", fmt.Errorf("body is not a JSON object: %w", err)
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := top[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has("events"):
		return FormatDistribution, nil
	case has("push_data", "repository"):
		return FormatDockerHub, nil
	case has("type", "event_data"):
		return FormatHarbor, nil
	case has("docker_url", "updated_tags"):
		return FormatQuay, nil
	}
	return "", fmt.Errorf("%w: the body has none of the keys that name one (events: distribution; push_data: dockerhub; type and event_data: harbor; docker_url and updated_tags: quay); say which with ?format=", ErrUnknownFormat)
}

// Parse reads a notification of format into the images it reports pushed (none for
// notifications of anything else: pulls, deletes, blob uploads, scans). Events with an
// ID appear once even when the notification repeats them. The error names the field
// that is wrong.
func Parse(format string, body []byte) ([]Event, error) {
	var (
		evs []Event
		err error
	)
	switch format {
	case FormatDistribution:
		evs, err = parseDistribution(body)
	case FormatDockerHub:
		evs, err = parseDockerHub(body)
	case FormatHarbor:
		evs, err = parseHarbor(body)
	case FormatQuay:
		evs, err = parseQuay(body)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s notification: %w", format, err)
	}
	return uniqueIDs(evs), nil
}

// NewEvent is the event of tag (may be empty) pushed to repository, a name as
// go-containerregistry parses it ("ghcr.io/acme/app", "docker.io/library/nginx").
// A digest that is not a valid one is left out.
func NewEvent(format, repository, tag, digest, id string) (Event, error) {
	repo, err := name.NewRepository(repository)
	if err != nil {
		return Event{}, fmt.Errorf("repository %q: %w", repository, err)
	}
	if tag != "" {
		if _, err := name.NewTag(repo.Name()+":"+tag, name.StrictValidation); err != nil {
			return Event{}, fmt.Errorf("tag %q of %s: %w", tag, repo.Name(), err)
		}
	}
	if digest != "" {
		if _, err := name.NewDigest(repo.Name()+"@"+digest, name.StrictValidation); err != nil {
			digest = "" // informative only (GitHub's own examples carry short ones): dropped
		}
	}
	return Event{Repository: repo.Name(), Tag: tag, Digest: digest, Format: format, ID: id}, nil
}

// uniqueIDs drops the events whose ID an earlier one has.
func uniqueIDs(evs []Event) []Event {
	seen := map[string]bool{}
	out := evs[:0]
	for _, e := range evs {
		if e.ID != "" {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
		}
		out = append(out, e)
	}
	return out
}
