package manifest

import (
	"errors"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

var errGenerationOff = errors.New("this directory declares manifest generators, but manifest generation is off, so the directory is not read; " +
	"pass --manifest-generation to run its commands")

var errFluxV1 = errors.New("this directory has Flux v1's .flux.yaml, which is not read (nor is the directory read as plain YAML); " +
	"convert it to .gitops.yaml (version: 1, generators: [{command: ...}]) next to it")

// declaresGenerators reads the .gitops.yaml at file (relative to root): whether its
// directory is rendered by generators (gitopsfile.File.DeclaresGenerators; the file's
// own problems are then reported with the generators'), or else the errors that keep
// the directory from being read: a file that cannot be read, invalid YAML, an unknown
// top-level key.
func declaresGenerators(root sourceRoot, file string) (bool, []*Error) {
	data, err := root.readFile(file)
	if err != nil {
		return false, []*Error{{Source: Source{File: file}, Err: err}}
	}
	f, err := gitopsfile.Parse(file, data)
	if f != nil && f.DeclaresGenerators() {
		return true, nil
	}
	if err != nil {
		return false, fileErrors(file, data, err)
	}
	return false, nil
}

// fileErrors turns gitopsfile's errors into Errors at the lines people count.
func fileErrors(file string, data []byte, err error) []*Error {
	var list gitopsfile.Errors
	if !errors.As(err, &list) {
		return []*Error{{Source: Source{File: file}, Err: err}}
	}
	errs := make([]*Error, len(list))
	for i, e := range list {
		errs[i] = &Error{Source: Source{File: file, Line: fileLine(data, max(e.Line, 1))}, Err: errors.New(e.Msg)}
	}
	return errs
}

// generatorConfig is the generators section of a .gitops.yaml:
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

// parseGeneratorConfig reads .gitops.yaml strictly: the file's own checks (pkg/gitopsfile:
// known keys, version 1), then version required and a non-empty generators list of
// {command: ...}; every problem is an error naming its line.
func parseGeneratorConfig(file string, data []byte) (generatorConfig, []*Error) {
	f, err := gitopsfile.Parse(file, data)
	var errs []*Error
	if err != nil {
		errs = fileErrors(file, data, err)
	}
	if f == nil {
		return generatorConfig{}, errs
	}
	fail := func(yamlLine int, format string, args ...interface{}) {
		errs = append(errs, &Error{Source: Source{File: file, Line: fileLine(data, yamlLine)}, Err: fmt.Errorf(format, args...)})
	}
	if !f.Has(gitopsfile.KeyVersion) {
		fail(f.Line(), "missing version: %s", gitopsfile.SupportedVersion)
	}
	var cfg generatorConfig
	if gen := f.Section(gitopsfile.KeyGenerators); gen == nil {
		fail(f.Line(), "missing generators")
	} else {
		cfg.generators = parseGenerators(gen, fail)
		for i := range cfg.generators {
			cfg.generators[i].line = fileLine(data, cfg.generators[i].line)
		}
		if len(cfg.generators) == 0 && len(errs) == 0 {
			fail(f.Line(), "generators is empty")
		}
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
