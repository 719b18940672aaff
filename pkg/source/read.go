package source

import (
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
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
		b, err := repofile.ReadFile(s.Root, n, nil)
		if err != nil {
			return nil, nil, err
		}
		data[n] = b
	}
	return names, data, nil
}
