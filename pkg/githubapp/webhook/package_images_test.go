package webhook

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// containerExample is GitHub's example `package` delivery of a container package
// (@octokit/webhooks-examples), its payload as a map to vary.
func containerExample(t *testing.T) map[string]any {
	t.Helper()
	for _, body := range webhookExamples(t)["package"] {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if reg, _ := m["package"].(map[string]any)["registry"].(map[string]any); reg["type"] == "CONTAINER" {
			return m
		}
	}
	t.Fatal("no example of a container package in @octokit/webhooks-examples")
	return nil
}

// TestPackageEventImagesPushed converts GitHub's package examples, as published and
// varied the ways GHCR sends them, into registry events.
func TestPackageEventImagesPushed(t *testing.T) {
	tagged := func(m map[string]any, tag string) map[string]any {
		md := m["package"].(map[string]any)["package_version"].(map[string]any)["container_metadata"].(map[string]any)
		md["tag"].(map[string]any)["name"] = tag
		return m
	}
	want := []registryevent.Event{{Repository: "ghcr.io/codertocat/hello-world", Tag: "v1.2.3", Format: "github-package",
		ID: "github-package:57755790:v1.2.3"}}
	for _, tc := range []struct {
		name  string
		event string
		edit  func(map[string]any) map[string]any
		want  []registryevent.Event
	}{
		{"GitHub's example: untagged", "package", func(m map[string]any) map[string]any { return m }, nil},
		{"tagged", "package", func(m map[string]any) map[string]any { return tagged(m, "v1.2.3") }, want},
		{"updated", "package", func(m map[string]any) map[string]any {
			m["action"] = "updated"
			return tagged(m, "v1.2.3")
		}, want},
		{"as registry_package", "registry_package", func(m map[string]any) map[string]any {
			m = tagged(m, "v1.2.3")
			m["registry_package"] = m["package"]
			delete(m, "package")
			return m
		}, want},
		{"without package_url", "package", func(m map[string]any) map[string]any {
			delete(m["package"].(map[string]any)["package_version"].(map[string]any), "package_url")
			return tagged(m, "v1.2.3")
		}, want},
		{"another action", "package", func(m map[string]any) map[string]any {
			m["action"] = "deleted"
			return tagged(m, "v1.2.3")
		}, nil},
		{"not a container", "package", func(m map[string]any) map[string]any {
			m["package"].(map[string]any)["registry"].(map[string]any)["type"] = "npm"
			return tagged(m, "v1.2.3")
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(tc.edit(containerExample(t)))
			parsed, err := parseEvent(tc.event, body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parsed.(*PackageEvent).ImagesPushed()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("%+v, want %+v", got, tc.want)
			}
		})
	}
	// GitHub's examples as published: npm packages and an untagged container version.
	for i, body := range webhookExamples(t)["package"] {
		parsed, err := parseEvent("package", body)
		if err != nil {
			t.Fatal(err)
		}
		if evs, err := parsed.(*PackageEvent).ImagesPushed(); err != nil || len(evs) != 0 {
			t.Errorf("example %d: %+v, %v", i, evs, err)
		}
	}
}
