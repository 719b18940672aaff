package repoconfig

import (
	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// DriftConfig shapes the bot's drift reports (the drift: section): the bot checks each
// target with a live cluster against the default branch (--drift-interval) and reports
// drift in a gitops/drift/<target> check run and, unless turned off, an issue.
type DriftConfig struct {
	// Issues opens an issue "Drift: <target>" while a target drifts (default true).
	Issues *bool `yaml:"issues"`
	// Labels and Assignees are set on the issue when it is opened.
	Labels    []string `yaml:"labels"`
	Assignees []string `yaml:"assignees"`
}

// IssuesOn reports whether drift opens issues.
func (c DriftConfig) IssuesOn() bool { return c.Issues == nil || *c.Issues }

// checkDrift validates the section; section is its YAML node (nil when absent).
func checkDrift(file string, c *DriftConfig, section *yaml.Node) error {
	line := 0
	if section != nil {
		line = section.Line
	}
	for _, l := range []nameList{{"labels", c.Labels, MaxLabels}, {"assignees", c.Assignees, MaxAssignees}} {
		if err := l.check(file, line, gitopsfile.KeyDrift); err != nil {
			return err
		}
	}
	return nil
}
