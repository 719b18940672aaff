package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by the release build and `make build`:
//
//	-ldflags "-X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Version=v1.2.3
//	          -X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Commit=<sha>
//	          -X github.com/kubectl-gitops/kubectl-gitops/pkg/version.Date=<RFC 3339>"
var (
	Version = "" // "v1.2.3" for a release; `git describe` for make build
	Commit  = "" // the full commit sha
	Date    = "" // the commit's date, RFC 3339
)

// Unset is what a field says when neither the build nor the toolchain recorded it.
const (
	DevVersion = "dev"
	Unknown    = "unknown"
)

// Info is one build's identity; its JSON is `kubectl gitops version -o json`.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns this binary's identity.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(bi, Version, Commit, Date)
}

// get fills each field from the linker flags, else from the build info, else a default.
func get(bi *debug.BuildInfo, version, commit, date string) Info {
	info := Info{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if v := bi.Main.Version; info.Version == "" && v != "" && v != "(devel)" {
			info.Version = v // go install module@v1.2.3
		}
		modified := false
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			case s.Key == "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit == "" && info.Commit != "" {
			info.Commit += "-dirty"
		}
	}
	if info.Version == "" {
		info.Version = DevVersion
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	if info.Date == "" {
		info.Date = Unknown
	}
	return info
}

// String is the one-line form: "v1.2.3 (commit abc123, 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, %s, %s %s)", i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
}
