package images

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// ReadRules reads the images: section of the configuration of the manifests under
// root: configFile when given (a file the user names, read as it is), else the
// ConfigFile at root, read safely (repofile; absent: the default rules). Errors name
// the file relative to root when it is inside it.
func ReadRules(root, configFile string) (*Rules, error) {
	path := configFile
	explicit := path != ""
	if !explicit {
		path = filepath.Join(root, ConfigFile)
	}
	var data []byte
	var err error
	if explicit {
		// A file the user names is theirs to name: read it as it is.
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	} else if data, err = repofile.ReadFile(root, ConfigFile, nil); errors.Is(err, fs.ErrNotExist) {
		data = nil
	} else if err != nil {
		return nil, err
	}
	name := path
	if abs, err := filepath.Abs(path); err == nil {
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			name = filepath.ToSlash(rel)
		}
	}
	cfg, lines, err := ParseConfig(name, data)
	if err != nil {
		return nil, err
	}
	return cfg.Rules(name, lines)
}
