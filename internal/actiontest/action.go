package actiontest

import (
	"bytes"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// Action is a composite action's metadata (action.yml).
type Action struct {
	Name        string
	Description string
	Author      string
	Branding    map[string]string
	Inputs      map[string]Input
	Outputs     map[string]Output
	Runs        struct {
		Using string
		Steps []Step
	}
}

// Input is one input of the action.
type Input struct {
	Description string
	Required    bool
	Default     string
}

// Output is one output of the action: Value is an expression.
type Output struct {
	Description string
	Value       string
}

// Step is one step of a composite action.
type Step struct {
	ID    string
	Name  string
	If    string
	Shell string
	Run   string
	Uses  string
	// Env keeps the order of the file.
	Env yaml.Node
}

// EnvPairs returns the step's env: entries in order.
func (s Step) EnvPairs() ([][2]string, error) {
	if s.Env.Kind == 0 {
		return nil, nil
	}
	if s.Env.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("step %s: env: is not a mapping", s.ID)
	}
	var out [][2]string
	for i := 0; i+1 < len(s.Env.Content); i += 2 {
		out = append(out, [2]string{s.Env.Content[i].Value, s.Env.Content[i+1].Value})
	}
	return out, nil
}

// Load reads and checks an action.yml: a composite action whose steps are bash
// scripts with ids.
func Load(path string) (*Action, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a Action
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Runs.Using != "composite" {
		return nil, fmt.Errorf("%s: runs.using %q: want composite", path, a.Runs.Using)
	}
	for i, s := range a.Runs.Steps {
		if s.Uses != "" || s.Run == "" || s.Shell != "bash" {
			return nil, fmt.Errorf("%s: step %d (%s): only run: steps with shell: bash are supported", path, i+1, s.ID)
		}
	}
	return &a, nil
}
