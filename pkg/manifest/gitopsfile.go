package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

var errGenerationOff = errors.New("this directory declares manifest generators, but manifest generation is off, so the directory is not read; " +
	"pass --manifest-generation to run its commands")

var errFluxV1 = errors.New("this directory has Flux v1's .flux.yaml, which is not read (nor is the directory read as plain YAML); " +
	"convert it to .gitops.yaml (version: 1, generators: [{command: ...}]) next to it")

// otherOwnersKeys are the top-level keys of .gitops.yaml that other packages own:
// image automation policies (pkg/images) and the bot's sections (pkg/githubapp). A
// .gitops.yaml with one of them and no generators key declares no generators.
var otherOwnersKeys = []string{"images", "targets", "comments", "forks", "notify", "imagePullRequests"}

// declaresGenerators reports whether the .gitops.yaml at file (relative to root) has a
// generators key (or cannot be parsed as a mapping, so that its errors are reported where
// it is parsed). One holding only image policies or the bot's settings leaves its
// directory to be read as plain YAML. A file that cannot be read is the error.
func declaresGenerators(root sourceRoot, file string) (bool, error) {
	data, err := root.readFile(file)
	if err != nil {
		return false, err
	}
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return true, nil
	}
	if _, gen := top["generators"]; gen {
		return true, nil
	}
	for _, k := range otherOwnersKeys {
		if _, ok := top[k]; ok {
			return false, nil
		}
	}
	return true, nil
}

// generatorConfig is a parsed .gitops.yaml:
//
//	version: 1
//	generators:
//	  - command: kustomize build .
type generatorConfig struct {
	generators []generator
}

type generator struct {
	command string
	line    int // line of the command in .gitops.yaml
}

// parseGeneratorConfig reads .gitops.yaml strictly: version 1, a non-empty generators
// list of {command: ...}; any other key is an error naming its line.
func parseGeneratorConfig(file string, data []byte) (generatorConfig, []*Error) {
	var errs []*Error
	fail := func(yamlLine int, format string, args ...interface{}) {
		errs = append(errs, &Error{Source: Source{File: file, Line: fileLine(data, yamlLine)}, Err: fmt.Errorf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		le := yamlLineError(err, data, 1)
		errs = append(errs, &Error{Source: Source{File: file, Line: le.line}, Err: le.err})
		return generatorConfig{}, errs
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		fail(1, "expected a mapping with version: 1 and generators")
		return generatorConfig{}, errs
	}
	top := doc.Content[0]
	var cfg generatorConfig
	sawVersion, sawGenerators := false, false
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		switch key.Value {
		case "version":
			sawVersion = true
			if val.Kind != yaml.ScalarNode || val.Value != "1" {
				fail(val.Line, "unsupported version %q: only version 1 is known", val.Value)
			}
		case "generators":
			sawGenerators = true
			cfg.generators = parseGenerators(val, fail)
			for i := range cfg.generators {
				cfg.generators[i].line = fileLine(data, cfg.generators[i].line)
			}
		default:
			if slices.Contains(otherOwnersKeys, key.Value) {
				continue // read by pkg/images and pkg/githubapp
			}
			fail(key.Line, "unknown key %q (known: version, generators, %s)", key.Value, strings.Join(otherOwnersKeys, ", "))
		}
	}
	if !sawVersion {
		fail(top.Line, "missing version: 1")
	}
	if !sawGenerators {
		fail(top.Line, "missing generators")
	} else if len(cfg.generators) == 0 && len(errs) == 0 {
		fail(top.Line, "generators is empty")
	}
	return cfg, errs
}

func parseGenerators(val *yaml.Node, fail func(int, string, ...interface{})) []generator {
	if val.Kind != yaml.SequenceNode {
		fail(val.Line, "generators must be a list of {command: ...}")
		return nil
	}
	var gens []generator
	for i, g := range val.Content {
		if g.Kind != yaml.MappingNode {
			fail(g.Line, "generators[%d] must be a mapping with a command", i)
			continue
		}
		var cmd *yaml.Node
		for j := 0; j+1 < len(g.Content); j += 2 {
			k, v := g.Content[j], g.Content[j+1]
			switch k.Value {
			case "command":
				cmd = v
			default:
				fail(k.Line, "generators[%d]: unknown key %q (known: command)", i, k.Value)
			}
		}
		switch {
		case cmd == nil:
			fail(g.Line, "generators[%d] has no command", i)
		case cmd.Kind != yaml.ScalarNode || strings.TrimSpace(cmd.Value) == "":
			fail(cmd.Line, "generators[%d].command must be a non-empty string", i)
		default:
			gens = append(gens, generator{command: cmd.Value, line: cmd.Line})
		}
	}
	return gens
}
