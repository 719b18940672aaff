package githubapp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// RepoConfigFile is the per-repository configuration, read from the default branch.
const RepoConfigFile = ".gitops.yaml"

// RepoConfig is what the bot reads of a repository's .gitops.yaml: the targets to
// plan and how the plan comment looks. Other top-level keys (images:, generators:)
// belong to their owners (pkg/images, pkg/manifest) and are left alone here.
type RepoConfig struct {
	Targets  []Target       `yaml:"targets"`
	Comments CommentConfig  `yaml:"comments"`
	Forks    ForkConfig     `yaml:"forks"`
	Notify   []NotifyConfig `yaml:"notify"`
	// ImagePullRequests shapes image-bump pull requests (repoconfig_images.go).
	ImagePullRequests ImagePullRequestConfig `yaml:"imagePullRequests"`
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

// ConfigError is a problem in .gitops.yaml at a line.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

var (
	targetName = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$`)
	yamlLine   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	typeLine   = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// ParseRepoConfig reads the bot's sections of a .gitops.yaml. Unknown keys inside
// them, bad values, and duplicate target names are errors naming file and line.
// Without targets, the repository has one target: its top directory, planned
// offline. data may be nil (no file).
func ParseRepoConfig(file string, data []byte) (*RepoConfig, error) {
	cfg := &RepoConfig{}
	var imageSection *yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		var doc struct {
			RepoConfig `yaml:",inline"`
			Rest       map[string]yaml.Node `yaml:",inline"` // images:, generators:, version: belong to others
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
			return nil, lineError(file, err)
		}
		*cfg = doc.RepoConfig
		// A second pass for the line of each target, so errors can point at it.
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil && len(root.Content) == 1 && root.Content[0].Kind == yaml.MappingNode {
			top := root.Content[0]
			imageSection = mappingValue(top, "imagePullRequests")
			for i := 0; i+1 < len(top.Content); i += 2 {
				if top.Content[i].Value == "targets" {
					for j, item := range top.Content[i+1].Content {
						if j < len(cfg.Targets) {
							cfg.Targets[j].Line = item.Line
						}
					}
				}
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
			return nil, &ConfigError{File: file, Line: t.Line, Msg: fmt.Sprintf("target name %q: want lower-case letters, digits, '.', '_' or '-' (at most 63)", t.Name)}
		case seen[t.Name] > 0:
			return nil, &ConfigError{File: file, Line: t.Line, Msg: fmt.Sprintf("target %q is defined twice (first at line %d)", t.Name, seen[t.Name])}
		case path.IsAbs(t.Path) || strings.HasPrefix(path.Clean(t.Path), ".."):
			return nil, &ConfigError{File: file, Line: t.Line, Msg: fmt.Sprintf("target %q: path %q must stay inside the repository", t.Name, t.Path)}
		}
		seen[t.Name] = max(t.Line, 1)
		t.Path = path.Clean(t.Path)
	}
	for _, n := range cfg.Notify {
		if n.On != "" && n.On != "failure" && n.On != "always" {
			return nil, &ConfigError{File: file, Msg: fmt.Sprintf("notify %q: on: %q, want failure or always", n.Name, n.On)}
		}
	}
	if err := checkImagePullRequests(file, &cfg.ImagePullRequests, imageSection); err != nil {
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
				errs = append(errs, &ConfigError{File: file, Line: line, Msg: cleanTypeMsg(g[2])})
				continue
			}
			errs = append(errs, &ConfigError{File: file, Msg: cleanTypeMsg(m)})
		}
		return errors.Join(errs...)
	}
	if g := yamlLine.FindStringSubmatch(err.Error()); g != nil {
		var line int
		fmt.Sscan(g[1], &line)
		return &ConfigError{File: file, Line: line, Msg: g[2]}
	}
	return &ConfigError{File: file, Msg: err.Error()}
}

func cleanTypeMsg(m string) string {
	return strings.NewReplacer("githubapp.Target", "target", "githubapp.CommentConfig", "comments",
		"githubapp.ForkConfig", "forks", "githubapp.NotifyConfig", "notify",
		"githubapp.ImagePullRequestConfig", "imagePullRequests", "githubapp.ImageGroup", "image group").Replace(m)
}
