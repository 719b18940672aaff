package repoconfig

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// File is the name of the per-repository configuration, read from the default branch.
const File = gitopsfile.Name

// Config is what the bot reads of a repository's .gitops.yaml: the targets to
// plan and how the plan comment looks. pkg/gitopsfile owns the file and its other
// sections' owners (pkg/images, pkg/manifest) read images: and generators:.
type Config struct {
	Targets  []Target       `yaml:"targets"`
	Comments CommentConfig  `yaml:"comments"`
	Forks    ForkConfig     `yaml:"forks"`
	Notify   []NotifyConfig `yaml:"notify"`
	// ImagePullRequests shapes image-bump pull requests (images.go).
	ImagePullRequests ImagePullRequestConfig `yaml:"imagePullRequests"`
	// Drift shapes the drift reports of the targets with a live cluster.
	Drift DriftConfig `yaml:"drift"`
}

// Target is one place the repository deploys to: a path of the repository applied to
// a cluster the bot knows (a context of its kubeconfig) as one ApplySet.
type Target struct {
	Name string `yaml:"name"`
	// Path is the directory of the repository to plan (default: the top).
	Path string `yaml:"path"`
	// Cluster is the bot's kubeconfig context for this target. The plan is live only
	// when the bot's operator granted that context to the repository (--cluster-access);
	// otherwise, or with "", it is offline (the base branch's render against the head's).
	Cluster           string   `yaml:"cluster"`
	ApplySet          string   `yaml:"applyset"`
	ApplySetNamespace string   `yaml:"applysetNamespace"`
	DefaultNamespace  string   `yaml:"defaultNamespace"`
	AllowNamespaces   []string `yaml:"allowNamespaces"`
	// Line is where the target is defined, for errors.
	Line int `yaml:"-"`
}

// CommentConfig shapes the plan comment.
type CommentConfig struct {
	// ShowUnchanged lists unchanged objects too (default: counted only).
	ShowUnchanged bool `yaml:"showUnchanged"`
	// Disabled posts only the commit status, no comment.
	Disabled bool `yaml:"disabled"`
}

// ForkConfig says how pull requests from forks are planned.
type ForkConfig struct {
	// LivePlan allows a live plan (cluster credentials) for fork pull requests; by
	// default they get the offline plan only.
	LivePlan bool `yaml:"livePlan"`
}

// NotifyConfig names an outgoing notification the bot's operator configured (the
// URLs are secrets: they live with the bot, not in git).
type NotifyConfig struct {
	Name string `yaml:"name"`
	// On is "failure" (default) or "always".
	On string `yaml:"on"`
}

// Error is a problem in .gitops.yaml at a line.
type Error = gitopsfile.Error

var (
	targetName = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$`)
	typeLine   = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// Parse reads the bot's sections of a .gitops.yaml, parsed by pkg/gitopsfile
// (a problem of the file, such as an unknown top-level key, is an error). Unknown keys
// inside them, bad values, and duplicate target names are errors naming file and line.
// Without targets, the repository has one target: its top directory, planned offline.
// data may be nil (no file).
func Parse(file string, data []byte) (*Config, error) {
	f, err := gitopsfile.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return Decode(f)
}

// Decode decodes and checks the bot's sections of f, as Parse.
func Decode(f *gitopsfile.File) (*Config, error) {
	file := f.Path()
	cfg := &Config{}
	var errs []error
	for _, s := range []struct {
		key string
		v   any
	}{
		{gitopsfile.KeyTargets, &cfg.Targets},
		{gitopsfile.KeyComments, &cfg.Comments},
		{gitopsfile.KeyForks, &cfg.Forks},
		{gitopsfile.KeyNotify, &cfg.Notify},
		{gitopsfile.KeyImagePullRequests, &cfg.ImagePullRequests},
		{gitopsfile.KeyDrift, &cfg.Drift},
	} {
		if err := gitopsfile.Decode(f.Section(s.key), s.v); err != nil {
			errs = append(errs, lineError(file, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if targets := f.Section(gitopsfile.KeyTargets); targets != nil {
		// The line of each target, so errors can point at it.
		for j, item := range targets.Content {
			if j < len(cfg.Targets) {
				cfg.Targets[j].Line = item.Line
			}
		}
	}
	if len(cfg.Targets) == 0 {
		cfg.Targets = []Target{{Name: "default", Path: "."}}
	}
	seen := map[string]int{}
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		if t.Path == "" {
			t.Path = "."
		}
		switch {
		case !targetName.MatchString(t.Name):
			return nil, &Error{File: file, Line: t.Line, Msg: fmt.Sprintf("target name %q: want lower-case letters, digits, '.', '_' or '-' (at most 63)", t.Name)}
		case seen[t.Name] > 0:
			return nil, &Error{File: file, Line: t.Line, Msg: fmt.Sprintf("target %q is defined twice (first at line %d)", t.Name, seen[t.Name])}
		case path.IsAbs(t.Path) || strings.HasPrefix(path.Clean(t.Path), ".."):
			return nil, &Error{File: file, Line: t.Line, Msg: fmt.Sprintf("target %q: path %q must stay inside the repository", t.Name, t.Path)}
		}
		seen[t.Name] = max(t.Line, 1)
		t.Path = path.Clean(t.Path)
	}
	for _, n := range cfg.Notify {
		if n.On != "" && n.On != "failure" && n.On != "always" {
			return nil, &Error{File: file, Msg: fmt.Sprintf("notify %q: on: %q, want failure or always", n.Name, n.On)}
		}
	}
	if err := checkImagePullRequests(file, &cfg.ImagePullRequests, f.Section(gitopsfile.KeyImagePullRequests)); err != nil {
		return nil, err
	}
	if err := checkDrift(file, &cfg.Drift, f.Section(gitopsfile.KeyDrift)); err != nil {
		return nil, err
	}
	return cfg, nil
}

// lineError turns a YAML error into ConfigErrors naming file and line.
func lineError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs []error
		for _, m := range te.Errors {
			if g := typeLine.FindStringSubmatch(m); g != nil {
				var line int
				fmt.Sscan(g[1], &line)
				errs = append(errs, &Error{File: file, Line: line, Msg: cleanTypeMsg(g[2])})
				continue
			}
			errs = append(errs, &Error{File: file, Msg: cleanTypeMsg(m)})
		}
		return errors.Join(errs...)
	}
	return &Error{File: file, Msg: err.Error()}
}

func cleanTypeMsg(m string) string {
	return strings.NewReplacer("repoconfig.Target", "target", "repoconfig.CommentConfig", "comments",
		"repoconfig.ForkConfig", "forks", "repoconfig.NotifyConfig", "notify",
		"repoconfig.ImagePullRequestConfig", "imagePullRequests", "repoconfig.ImageGroup", "image group").Replace(m)
}
