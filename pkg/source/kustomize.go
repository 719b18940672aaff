package source

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// kustomizeFiles lists the YAML files inside Kustomize directories under root (or
// under paths): pkg/manifest builds those directories instead of listing their files,
// but their resources, patches and kustomization files hold image references too.
// Dot-directories, Helm charts and generator directories are skipped, as in discovery.
func kustomizeFiles(root string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		start := filepath.Join(root, filepath.FromSlash(p))
		st, err := os.Stat(start)
		if err != nil || !st.IsDir() {
			continue // pkg/manifest reports bad paths
		}
		inKustomize := map[string]bool{}
		err = filepath.WalkDir(start, func(abs string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable parts are pkg/manifest's to report
			}
			rel, _ := filepath.Rel(root, abs)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if abs != start && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				if isFile(filepath.Join(abs, "Chart.yaml")) || skippedForGitopsFile(root, rel) {
					return filepath.SkipDir
				}
				parent := path.Dir(rel)
				inKustomize[rel] = inKustomize[parent] || hasKustomization(abs)
				return nil
			}
			name := d.Name()
			if !inKustomize[path.Dir(rel)] || strings.HasPrefix(name, ".") || !d.Type().IsRegular() {
				return nil
			}
			if ext := path.Ext(name); ext == ".yaml" || ext == ".yml" || name == "Kustomization" {
				if !seen[rel] {
					seen[rel] = true
					out = append(out, rel)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func hasKustomization(dir string) bool {
	for _, n := range kustomizationNames {
		if isFile(filepath.Join(dir, n)) {
			return true
		}
	}
	return false
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// skippedForGitopsFile reports whether discovery leaves dir's files alone for its
// .gitops.yaml, as pkg/manifest decides: an entry of that name that is no directory
// declares generators, or cannot be read or parsed (discovery then reports it and reads
// nothing of the directory).
func skippedForGitopsFile(root, dir string) bool {
	name := path.Join(dir, gitopsfile.Name)
	if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name))); err != nil || fi.IsDir() {
		return false
	}
	f, err := gitopsfile.Read(root, name, nil)
	return err != nil || f.DeclaresGenerators()
}
