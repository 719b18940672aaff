package registryevent

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format string
		want   []Event
	}{
		{"distribution-push", FormatDistribution, []Event{{
			Repository: "registry.example.com:5000/shop/web", Tag: "1.2.0",
			Digest: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
			Format: "distribution", ID: "320678d8-ca14-430f-8bb6-4ca139cd83f7",
		}}},
		{"distribution-url-host", FormatDistribution, []Event{{
			Repository: "registrycluster.local/library/test", Tag: "latest",
			Digest: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
			Format: "distribution", ID: "asdf-asdf-asdf-asdf-0",
		}}},
		{"distribution-delete", FormatDistribution, nil},
		{"dockerhub", FormatDockerHub, []Event{{
			Repository: "index.docker.io/svendowideit/testhook", Tag: "latest", Format: "dockerhub",
			ID: "dockerhub:svendowideit/testhook:latest@1417566161",
		}}},
		{"dockerhub-float", FormatDockerHub, []Event{{
			Repository: "index.docker.io/library/nginx", Tag: "1.27.3", Format: "dockerhub",
			ID: "dockerhub:library/nginx:1.27.3@1.417566161e+09",
		}}},
		{"harbor-push", FormatHarbor, []Event{{
			Repository: "hub.harbor.com/test-webhook/debian", Tag: "latest",
			Digest: "sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8",
			Format: "harbor", ID: "harbor:hub.harbor.com/test-webhook/debian:latest@1586922308",
		}}},
		{"harbor-replication", FormatHarbor, nil},
		{"harbor-pull", FormatHarbor, nil},
		{"quay", FormatQuay, []Event{{Repository: "quay.io/dgangaia/test", Tag: "latest", Format: "quay"}}},
		{"quay-map", FormatQuay, []Event{
			{Repository: "quay.io/devtable/ubuntu", Tag: "14.04", Format: "quay"},
			{Repository: "quay.io/devtable/ubuntu", Tag: "latest", Format: "quay"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := payload(t, tc.file)
			ct := "application/json"
			if tc.format == FormatDistribution {
				ct = EnvelopeMediaType
			}
			format, err := Detect("", ct, body)
			if err != nil || format != tc.format {
				t.Fatalf("Detect: %q, %v; want %q", format, err, tc.format)
			}
			if format, err := Detect("", "application/json", body); err != nil || format != tc.format {
				t.Fatalf("Detect by shape alone: %q, %v; want %q", format, err, tc.format)
			}
			got, err := Parse(format, body)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(tc.want, "", " ")
				t.Fatalf("events\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, explicit, contentType, body string
		want, wantErr                     string
	}{
		{name: "explicit", explicit: "quay", contentType: "application/json", body: `{}`, want: "quay"},
		{name: "explicit wins over the body's shape", explicit: "harbor", body: `{"events":[]}`, want: "harbor"},
		{name: "unknown explicit", explicit: "gcr", body: `{}`, wantErr: `unknown notification format "gcr" in ?format= (want one of distribution, dockerhub, harbor, quay)`},
		{name: "envelope media type", contentType: "application/vnd.docker.distribution.events.v1+json; charset=utf-8", body: `not even JSON`, want: "distribution"},
		{name: "a later envelope version", contentType: "application/vnd.docker.distribution.events.v2+json", body: `{}`, want: "distribution"},
		{name: "not JSON", contentType: "application/json", body: `events`, wantErr: "body is not a JSON object"},
		{name: "a JSON array", contentType: "application/json", body: `[]`, wantErr: "body is not a JSON object"},
		{name: "an unknown shape", contentType: "application/json", body: `{"action":"published"}`, wantErr: "unknown notification format: the body has none of the keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.explicit, tc.contentType, []byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "unknown") && !errors.Is(err, ErrUnknownFormat) {
					t.Fatalf("%v does not wrap ErrUnknownFormat", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestParseErrors: each malformed notification is refused with an error naming the
// format and the field.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		format, body, want string
	}{
		{"distribution", `{"events":`, "distribution notification: bad JSON"},
		{"distribution", `{"other":[]}`, "distribution notification: no events array"},
		{"distribution", `{"events":[{"id":"e1","action":"push","target":{"tag":"v1","url":"http://r.example/v2/x/manifests/v1"}}]}`,
			`events[0] (id "e1"): no target.repository`},
		{"distribution", `{"events":[{"id":"e1","action":"push","target":{"repository":"x","tag":"v1"}}]}`,
			`events[0] (id "e1"): neither request.host nor target.url names the registry`},
		{"distribution", `{"events":[{"id":"e1","action":"push","target":{"repository":"Shop/Web","tag":"v1"},"request":{"host":"r.example"}}]}`,
			`events[0] (id "e1"): repository "r.example/Shop/Web"`},
		{"distribution", `{"events":[{"id":"e1","action":"push","target":{"repository":"x","tag":"v 1"},"request":{"host":"r.example"}}]}`,
			`events[0] (id "e1"): tag "v 1" of r.example/x`},
		{"dockerhub", `{"repository":{"repo_name":"a/b"}}`, "dockerhub notification: no push_data"},
		{"dockerhub", `{"push_data":{"tag":"v1"},"repository":{}}`, "no repository.repo_name"},
		{"dockerhub", `{"push_data":{"tag":"v1","pushed_at":"soon"},"repository":{"repo_name":"a/b"}}`, "bad JSON"},
		{"harbor", `{"event_data":{}}`, "harbor notification: no type"},
		{"harbor", `{"type":"PUSH_ARTIFACT"}`, "PUSH_ARTIFACT without event_data"},
		{"harbor", `{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"tag":"v1"}]}}`, "event_data.resources[0]: no resource_url"},
		{"harbor", `{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"tag":"v1","resource_url":"h.example/UP:v1"}]}}`, `event_data.resources[0]: resource_url "h.example/UP:v1"`},
		{"quay", `{"updated_tags":["v1"]}`, "quay notification: no docker_url"},
		{"quay", `{"docker_url":"quay.io/a/b","updated_tags":"v1"}`, "updated_tags: want a list of tags"},
		{"quay", `{"docker_url":"quay.io/a/b","updated_tags":["v1","bad tag"]}`, `docker_url, updated_tags[1]: tag "bad tag"`},
		{"gcr", `{}`, `unknown notification format "gcr"`},
	} {
		_, err := Parse(tc.format, []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want one containing %q", tc.format, tc.body, err, tc.want)
		}
	}
}
