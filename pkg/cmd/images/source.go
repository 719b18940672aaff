package images

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// SourceOptions are the source flags of the image commands: pkg/source's --path and
// --ref, plus --config.
type SourceOptions struct {
	source.Options
	// ConfigFile is the .gitops.yaml holding the images: section (default: the one at
	// the source root, the top of the repository for a directory in git).
	ConfigFile string
}

// AddFlags registers --path, --ref and --config.
func (o *SourceOptions) AddFlags(cmd *cobra.Command) {
	o.Options.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.ConfigFile, "config", o.ConfigFile, "File holding the images: section (default: "+images.ConfigFile+" at the source root: the repository's top for a directory in git)")
}

// Rules reads the images: section of the configuration file (absent default file:
// defaults).
func (o *SourceOptions) Rules(s *source.Source) (*images.Rules, error) {
	path := o.ConfigFile
	explicit := path != ""
	if !explicit {
		path = filepath.Join(s.Root, images.ConfigFile)
	}
	var data []byte
	var err error
	if explicit {
		// A file the user names is theirs to name: read it as it is.
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	} else if data, err = repofile.ReadFile(s.Root, images.ConfigFile, nil); errors.Is(err, fs.ErrNotExist) {
		data = nil
	} else if err != nil {
		return nil, err
	}
	name := path
	if abs, err := filepath.Abs(path); err == nil {
		if rel, err := filepath.Rel(s.Root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			name = filepath.ToSlash(rel)
		}
	}
	cfg, lines, err := images.ParseConfig(name, data)
	if err != nil {
		return nil, err
	}
	return cfg.Rules(name, lines)
}
