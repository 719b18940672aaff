package images

import (
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// Scanned is what image automation reads from a source: its manifests, the images in
// them and the rules they were scanned with.
type Scanned struct {
	Files  []File
	Data   map[string][]byte
	Images []Image
	Rules  *Rules
	// Errs are per-file and per-image problems; the rest of the images are usable.
	Errs []error
}

// ScanSource reads the rules (ReadRules: configFile, or the ConfigFile at the
// source's root when "") and the manifests of an opened source, and scans them. A bad
// configuration file is an error (nothing is changed); bad manifests are problems.
func ScanSource(s *source.Source, configFile string) (*Scanned, error) {
	rules, err := ReadRules(s.Root, configFile)
	if err != nil {
		return nil, err
	}
	names, data, err := s.ReadFiles()
	if err != nil {
		return nil, err
	}
	files := make([]File, 0, len(names))
	for _, n := range names {
		files = append(files, File{Path: n, Data: data[n]})
	}
	imgs, errs := Scan(files, rules)
	return &Scanned{Files: files, Data: data, Images: imgs, Rules: rules, Errs: errs}, nil
}
