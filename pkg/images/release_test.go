package images

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseWorkload(t *testing.T) {
	tests := []struct {
		in, ns string
		want   WorkloadSelector
		err    bool
	}{
		{"deployment/web", "", WorkloadSelector{"default", "deployment", "web"}, false},
		{"deployment/web", "shop", WorkloadSelector{"shop", "deployment", "web"}, false},
		{"demo:deployment/podinfo", "shop", WorkloadSelector{"demo", "deployment", "podinfo"}, false},
		{"web", "", WorkloadSelector{}, true},
		{"deployment/", "", WorkloadSelector{}, true},
		{"a/b/c", "", WorkloadSelector{}, true},
	}
	for _, tt := range tests {
		got, err := ParseWorkload(tt.in, tt.ns)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s: got %+v err %v", tt.in, got, err)
		}
	}
}

func TestRelease(t *testing.T) {
	files, data := readFixtures(t, "public/flux-get-started-podinfo-dep.yaml", "public/podinfo-backend-deployment.yaml", "public/podinfo-cronjob-backup-daily.yaml")
	locked := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frozen\n  namespace: demo\n  annotations:\n    fluxcd.io/locked: \"true\"\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/stefanprodan/podinfo:6.0.0\n"
	files = append(files, File{Path: "frozen.yaml", Data: []byte(locked)})
	data["frozen.yaml"] = []byte(locked)
	imgs, errs := Scan(files, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	podinfo7, _ := ParseReference("ghcr.io/stefanprodan/podinfo:7.0.0")

	t.Run("one workload", func(t *testing.T) {
		ws, _ := ParseWorkload("deployment/backend", "")
		res, err := Release(imgs, ReleaseSpec{Image: podinfo7, Workloads: []WorkloadSelector{ws}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Updates) != 1 || res.Updates[0].To != "ghcr.io/stefanprodan/podinfo:7.0.0" || res.Updates[0].File != "public/podinfo-backend-deployment.yaml" {
			t.Fatalf("updates %+v", res.Updates)
		}
		out, err := Apply(data, res.Updates)
		if err != nil {
			t.Fatal(err)
		}
		if got := changedLines(data["public/podinfo-backend-deployment.yaml"], out["public/podinfo-backend-deployment.yaml"]); !reflect.DeepEqual(got, []int{26}) {
			t.Fatalf("changed lines %v", got)
		}
	})

	t.Run("all workloads skips locked", func(t *testing.T) {
		res, err := Release(imgs, ReleaseSpec{Image: podinfo7, All: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Updates) != 2 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Message, "locked") {
			t.Fatalf("updates %+v skipped %+v", res.Updates, res.Skipped)
		}
		res, err = Release(imgs, ReleaseSpec{Image: podinfo7, All: true, Force: true})
		if err != nil || len(res.Updates) != 3 {
			t.Fatalf("forced: %+v %v", res, err)
		}
	})

	t.Run("docker hub names match however written", func(t *testing.T) {
		ref, _ := ParseReference("docker.io/stefanprodan/podinfo:2.1.1")
		ws, _ := ParseWorkload("demo:Deployment.apps/podinfo", "")
		res, err := Release(imgs, ReleaseSpec{Image: ref, Workloads: []WorkloadSelector{ws}})
		if err != nil {
			t.Fatal(err)
		}
		// The repository stays as written; only the tag changes.
		if len(res.Updates) != 1 || res.Updates[0].To != "stefanprodan/podinfo:2.1.1" {
			t.Fatalf("updates %+v", res.Updates)
		}
	})

	t.Run("digest", func(t *testing.T) {
		ref, _ := ParseReference("ghcr.io/stefanprodan/podinfo:7.0.0@sha256:" + strings.Repeat("c", 64))
		ws, _ := ParseWorkload("cronjob/backup-daily", "")
		res, err := Release(imgs, ReleaseSpec{Image: ref, Workloads: []WorkloadSelector{ws}})
		if err != nil || len(res.Updates) != 1 || !strings.HasSuffix(res.Updates[0].To, "@sha256:"+strings.Repeat("c", 64)) {
			t.Fatalf("%+v %v", res, err)
		}
	})

	bad := []struct {
		name string
		spec func() ReleaseSpec
		want string
	}{
		{"missing workload", func() ReleaseSpec {
			ws, _ := ParseWorkload("deployment/nope", "")
			return ReleaseSpec{Image: podinfo7, Workloads: []WorkloadSelector{ws}}
		}, "workload default:deployment/nope: not found in the manifests"},
		{"workload without that image", func() ReleaseSpec {
			ref, _ := ParseReference("nginx:1.27")
			ws, _ := ParseWorkload("deployment/backend", "")
			return ReleaseSpec{Image: ref, Workloads: []WorkloadSelector{ws}}
		}, "no container uses nginx"},
		{"locked", func() ReleaseSpec {
			ws, _ := ParseWorkload("demo:deployment/frozen", "")
			return ReleaseSpec{Image: podinfo7, Workloads: []WorkloadSelector{ws}}
		}, "frozen.yaml:13: Deployment.apps demo/frozen container app: the workload is locked"},
		{"no tag", func() ReleaseSpec {
			ref, _ := ParseReference("ghcr.io/stefanprodan/podinfo")
			return ReleaseSpec{Image: ref, All: true}
		}, "give a tag or digest"},
		{"neither", func() ReleaseSpec { return ReleaseSpec{Image: podinfo7} }, "not both nor neither"},
		{"nobody uses it", func() ReleaseSpec {
			ref, _ := ParseReference("nginx:1.27")
			return ReleaseSpec{Image: ref, All: true}
		}, "no workload uses nginx"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Release(imgs, tt.spec())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
}
