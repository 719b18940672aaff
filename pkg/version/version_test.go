package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGet(t *testing.T) {
	vcs := func(rev, tm, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: tm}, {Key: "vcs.modified", Value: modified}}}
	}
	tests := []struct {
		name                  string
		bi                    *debug.BuildInfo
		version, commit, date string
		want                  Info
	}{
		{"nothing recorded", nil, "", "", "", Info{Version: "dev", Commit: "unknown", Date: "unknown"}},
		{"a go run", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "", "",
			Info{Version: "dev", Commit: "unknown", Date: "unknown"}},
		{"ldflags win over the toolchain", vcs("abc", "2026-01-01T00:00:00Z", "true"), "v1.2.3", "def", "2026-02-02T00:00:00Z",
			Info{Version: "v1.2.3", Commit: "def", Date: "2026-02-02T00:00:00Z"}},
		{"a go build in a clean checkout", vcs("abc", "2026-01-01T00:00:00Z", "false"), "", "", "",
			Info{Version: "dev", Commit: "abc", Date: "2026-01-01T00:00:00Z"}},
		{"a go build with local changes", vcs("abc", "2026-01-01T00:00:00Z", "true"), "", "", "",
			Info{Version: "dev", Commit: "abc-dirty", Date: "2026-01-01T00:00:00Z"}},
		{"go install module@version", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "", "", "",
			Info{Version: "v0.3.0", Commit: "unknown", Date: "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.GoVersion, tt.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
			if got := get(tt.bi, tt.version, tt.commit, tt.date); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	i := Info{Version: "v1.2.3", Commit: "abc", Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26.8", Platform: "linux/arm64"}
	if got, want := i.String(), "v1.2.3 (commit abc, 2026-01-02T03:04:05Z, go1.26.8 linux/arm64)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
