package source

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// ReadFiles reads the YAML files the image commands scan and rewrite: the plain files
// Load parses and the YAML files of Kustomize directories, under Paths. It returns
// their names (slash paths relative to Root, in discovery order) and contents.
func (s *Source) ReadFiles() ([]string, map[string][]byte, error) {
	names, err := manifest.DiscoverFiles(s.Root, s.Paths...)
	if err != nil {
		return nil, nil, err
	}
	kfiles, err := kustomizeFiles(s.Root, s.Paths)
	if err != nil {
		return nil, nil, err
	}
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	for _, n := range kfiles {
		if !listed[n] {
			names = append(names, n)
		}
	}
	data := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(s.Root, filepath.FromSlash(n)))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
		data[n] = b
	}
	return names, data, nil
}
