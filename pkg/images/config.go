package images

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// ConfigFile is the repository configuration file (pkg/gitopsfile owns it); this
// package reads its ConfigKey section.
const ConfigFile = gitopsfile.Name

// ConfigKey is the top-level key of .gitops.yaml that holds image automation settings.
const ConfigKey = gitopsfile.KeyImages

// DefaultExclude is the exclude list used when the configuration sets none.
var DefaultExclude = []string{"registry.k8s.io/*", "k8s.gcr.io/*"}

// Config is the "images:" section of .gitops.yaml.
//
//	images:
//	  include: ["ghcr.io/acme/*"]          # image globs to scan; empty means all
//	  exclude: ["registry.k8s.io/*"]       # default: registry.k8s.io/*, k8s.gcr.io/*
//	  policies:
//	    - name: podinfo
//	      image: ghcr.io/stefanprodan/podinfo
//	      semver: ">=6.0.0 <7"
//	    - name: app
//	      image: registry.example.com/app
//	      regex: '^main-[0-9a-f]+-(?P<ts>[0-9]+)$'
//	      extract: ts                      # named group, or a template such as "$ts"
//	      order: numerical                 # numerical (default) | alphabetical | natural
//	      direction: asc                   # asc: greatest is newest (default) | desc
//	    - name: nightly
//	      image: ghcr.io/acme/tool
//	      glob: 'nightly-*'
//	      minAge: 24h                      # optional minimum release age
type Config struct {
	Include  []string       `yaml:"include,omitempty" json:"include,omitempty"`
	Exclude  []string       `yaml:"exclude,omitempty" json:"exclude,omitempty"`
	Policies []PolicyConfig `yaml:"policies,omitempty" json:"policies,omitempty"`
}

// PolicyConfig is one named policy. Exactly one of Semver, Regex and Glob is set.
type PolicyConfig struct {
	Name      string `yaml:"name" json:"name"`
	Image     string `yaml:"image" json:"image"`
	Semver    string `yaml:"semver,omitempty" json:"semver,omitempty"`
	Regex     string `yaml:"regex,omitempty" json:"regex,omitempty"`
	Extract   string `yaml:"extract,omitempty" json:"extract,omitempty"`
	Order     string `yaml:"order,omitempty" json:"order,omitempty"`
	Direction string `yaml:"direction,omitempty" json:"direction,omitempty"`
	Glob      string `yaml:"glob,omitempty" json:"glob,omitempty"`
	MinAge    string `yaml:"minAge,omitempty" json:"minAge,omitempty"`
}

// ParseConfig reads the images section of a .gitops.yaml (file names it in errors),
// parsed by pkg/gitopsfile: a problem of the file (invalid YAML, an unknown top-level
// key) is an error too. Empty data or a file without the section yields an empty Config.
func ParseConfig(file string, data []byte) (*Config, map[string]int, error) {
	f, err := gitopsfile.Parse(file, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", file, ConfigKey, err)
	}
	return DecodeConfig(file, f.Section(ConfigKey))
}

// DecodeConfig decodes the images section (nil: absent) of the .gitops.yaml file: unknown
// keys inside it are errors with their line. It returns the line of each policy by name,
// for Rules' errors.
func DecodeConfig(file string, section *yaml.Node) (*Config, map[string]int, error) {
	cfg, lines := &Config{}, map[string]int{}
	if err := gitopsfile.Decode(section, cfg); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", file, ConfigKey, cleanYAMLError(err))
	}
	if pol := gitopsfile.MappingValue(section, "policies"); pol != nil && pol.Kind == yaml.SequenceNode {
		for _, item := range pol.Content {
			if n := gitopsfile.MappingValue(item, "name"); n != nil {
				lines[n.Value] = item.Line
			}
		}
	}
	return cfg, lines, nil
}

func cleanYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			m = strings.ReplaceAll(m, "images.PolicyConfig", "policy")
			m = strings.ReplaceAll(m, "images.Config", ConfigKey)
			msgs[i] = m
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}

// NamedPolicy is a compiled policy of .gitops.yaml.
type NamedPolicy struct {
	Name   string
	Image  Reference
	Policy Policy
	MinAge time.Duration
	Source string // "file:line" of its definition
}

// Rules are the compiled configuration: which images to scan and the named policies.
type Rules struct {
	Filter   *ImageFilter
	Policies map[string]*NamedPolicy
}

var policyName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Rules compiles c; every bad policy is reported (joined), each with file:line and name.
// opts are name options for the policy images (name.Insecure).
func (c *Config) Rules(file string, lines map[string]int, opts ...name.Option) (*Rules, error) {
	filter, err := NewImageFilter(c.Include, c.Exclude)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", file, ConfigKey, err)
	}
	r := &Rules{Filter: filter, Policies: map[string]*NamedPolicy{}}
	var errs []error
	for i, pc := range c.Policies {
		where := fmt.Sprintf("%s: %s.policies[%d]", file, ConfigKey, i)
		if l := lines[pc.Name]; l > 0 {
			where = fmt.Sprintf("%s:%d: %s.policies[%d]", file, l, ConfigKey, i)
		}
		if pc.Name != "" {
			where += fmt.Sprintf(" (%s)", pc.Name)
		}
		np, err := pc.compile(opts...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if _, dup := r.Policies[np.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate policy name %q", where, np.Name))
			continue
		}
		np.Source = file
		if l := lines[pc.Name]; l > 0 {
			np.Source = fmt.Sprintf("%s:%d", file, l)
		}
		r.Policies[np.Name] = np
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

func (pc PolicyConfig) compile(opts ...name.Option) (*NamedPolicy, error) {
	if !policyName.MatchString(pc.Name) {
		return nil, fmt.Errorf("invalid name %q: use letters, digits, '.', '_' and '-'", pc.Name)
	}
	if pc.Image == "" {
		return nil, fmt.Errorf("image is required (the repository the policy chooses tags of)")
	}
	img, err := ParseReference(pc.Image, opts...)
	if err != nil {
		return nil, err
	}
	if img.Tag != "" || img.Digest != "" {
		return nil, fmt.Errorf("image %q: give the repository without tag or digest", pc.Image)
	}
	set := 0
	for _, s := range []string{pc.Semver, pc.Regex, pc.Glob} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("set exactly one of semver, regex and glob")
	}
	if pc.Regex == "" && (pc.Extract != "" || pc.Order != "" || pc.Direction != "") {
		return nil, fmt.Errorf("extract, order and direction apply to regex policies only")
	}
	np := &NamedPolicy{Name: pc.Name, Image: img}
	switch {
	case pc.Semver != "":
		np.Policy, err = NewSemver(pc.Semver)
	case pc.Glob != "":
		np.Policy, err = NewGlob(pc.Glob)
	default:
		order := Order(pc.Order)
		if order == "" {
			order = OrderNumerical
		}
		var desc bool
		switch pc.Direction {
		case "", "asc":
		case "desc":
			desc = true
		default:
			return nil, fmt.Errorf("invalid direction %q: want asc or desc", pc.Direction)
		}
		np.Policy, err = NewRegex(pc.Regex, RegexOptions{Extract: pc.Extract, Order: order, Descending: desc})
	}
	if err != nil {
		return nil, err
	}
	if pc.MinAge != "" {
		d, err := parseAge(pc.MinAge)
		if err != nil {
			return nil, err
		}
		np.MinAge = d
	}
	return np, nil
}

// parseAge parses a Go duration, also accepting whole days ("7d").
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid minAge %q: want a duration such as 24h or 7d", s)
	}
	return d, nil
}
