package images

import (
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// Scanned is what the commands read from a source.
type Scanned struct {
	Files  []images.File
	Data   map[string][]byte
	Images []images.Image
	Rules  *images.Rules
	// Errs are per-file and per-image problems; the rest of the images are usable.
	Errs []error
}

// ScanSource reads the configuration and the manifests of an opened source. A bad
// configuration file is an error (nothing is changed); bad manifests are problems.
func ScanSource(o *SourceOptions, s *source.Source) (*Scanned, error) {
	rules, err := o.Rules(s)
	if err != nil {
		return nil, err
	}
	names, data, err := s.ReadFiles()
	if err != nil {
		return nil, err
	}
	files := make([]images.File, 0, len(names))
	for _, n := range names {
		files = append(files, images.File{Path: n, Data: data[n]})
	}
	imgs, errs := images.Scan(files, rules)
	return &Scanned{Files: files, Data: data, Images: imgs, Rules: rules, Errs: errs}, nil
}
