package manifest

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// Names that change how a directory is read.
const (
	// GeneratorFile declares commands whose output is the directory's manifests.
	GeneratorFile = gitopsfile.Name
	// chartFile marks a Helm chart: the directory and its subtree are skipped.
	chartFile = "Chart.yaml"
	// fluxV1File is Flux v1's generator file; its format differs, so it is refused
	// rather than the directory being read as plain YAML.
	fluxV1File = ".flux.yaml"
)

// kustomizationFiles are the names kustomize recognises, in its order.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// IsKustomizationFile reports whether the slash-separated path names a file kustomize
// reads a Kustomization from (kustomization.yaml, kustomization.yml, Kustomization).
func IsKustomizationFile(p string) bool {
	return slices.Contains(kustomizationFiles, path.Base(p))
}

type unitKind int

const (
	unitFile      unitKind = iota // a plain YAML file
	unitKustomize                 // a directory built with Kustomize
	unitGenerator                 // a directory with .gitops.yaml
	unitError                     // something discovery refused
)

// unit is one thing Load turns into objects. path is slash-separated and relative to
// the root: a file for unitFile, a directory otherwise.
type unit struct {
	kind unitKind
	path string
	file string   // unitKustomize: the kustomization file's name
	errs []*Error // unitError: why
}

// discoverer walks the source tree and lists units in walk order (lexical by name).
type discoverer struct {
	root  sourceRoot
	log   *slog.Logger
	gen   bool
	units []unit
	seen  map[string]bool
}

// discover lists the units under each start path, in the order given, each unit once.
func discover(root sourceRoot, paths []string, gen bool, log *slog.Logger) ([]unit, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	starts := make([]string, 0, len(paths))
	for _, p := range paths {
		s, err := root.startPath(p)
		if err != nil {
			return nil, err
		}
		starts = append(starts, s)
	}
	d := &discoverer{root: root, log: log, gen: gen, seen: map[string]bool{}}
	for _, s := range starts {
		if err := d.start(s); err != nil {
			return nil, err
		}
	}
	return dropOwned(d.units), nil
}

// dropOwned removes units below a directory that a Kustomize build or a generator owns
// (possible when --path values overlap), so no object is read twice.
func dropOwned(units []unit) []unit {
	var owners []string
	for _, u := range units {
		if u.kind != unitFile && u.path != "" {
			owners = append(owners, u.path)
		}
	}
	out := units[:0:0]
	for _, u := range units {
		owned := false
		for _, o := range owners {
			if u.path != o && (o == "." || strings.HasPrefix(u.path, o+"/")) {
				owned = true
				break
			}
		}
		if !owned {
			out = append(out, u)
		}
	}
	return out
}

// DiscoverFiles lists the plain YAML files Load would parse directly under root (or under
// paths, relative to root): slash-separated paths relative to root, in Load's order.
// Files inside Kustomize and generator directories are not listed.
func DiscoverFiles(root string, paths ...string) ([]string, error) {
	r, err := newSourceRoot(root)
	if err != nil {
		return nil, err
	}
	units, err := discover(r, paths, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, u := range units {
		if u.kind == unitFile {
			files = append(files, u.path)
		}
	}
	return files, nil
}

// refused is a unit discovery refuses: path is not read, and file says why.
func refused(path, file string, err error) unit {
	return unit{kind: unitError, path: path, errs: []*Error{{Source: Source{File: file}, Err: err}}}
}

func (d *discoverer) add(u unit) {
	key := fmt.Sprintf("%d:%s", u.kind, u.path)
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.units = append(d.units, u)
}

// start handles one --path: a file is taken as it is, a directory is walked.
func (d *discoverer) start(rel string) error {
	fi, err := os.Stat(d.root.abs(rel))
	if err != nil {
		return fmt.Errorf("path %q: %w", rel, err)
	}
	if !fi.IsDir() {
		if !isYAMLName(rel) {
			return fmt.Errorf("path %q is neither a directory nor a .yaml/.yml file", rel)
		}
		d.add(unit{kind: unitFile, path: rel})
		return nil
	}
	d.dir(rel)
	return nil
}

// dir applies the discovery rules to one directory.
func (d *discoverer) dir(rel string) {
	entries, err := os.ReadDir(d.root.abs(rel))
	if err != nil {
		d.add(refused(rel, rel, fmt.Errorf("read directory: %w", err)))
		return
	}
	names := map[string]fs.DirEntry{}
	for _, e := range entries {
		names[e.Name()] = e
	}
	if e, ok := names[chartFile]; ok && !e.IsDir() {
		d.log.Debug("skipping Helm chart directory", "dir", rel)
		return
	}
	if e, ok := names[GeneratorFile]; ok && !e.IsDir() {
		file := path.Join(rel, GeneratorFile)
		gen, errs := declaresGenerators(d.root, file)
		if len(errs) > 0 {
			// Unreadable (a link out of the repository, a pipe, too large) or invalid
			// (an unknown key): the directory is not read, and the file says why.
			d.add(unit{kind: unitError, path: rel, errs: errs})
			return
		}
		if gen {
			if !d.gen {
				d.add(refused(rel, file, errGenerationOff))
				return
			}
			d.add(unit{kind: unitGenerator, path: rel})
			return
		}
	}
	if e, ok := names[fluxV1File]; ok && !e.IsDir() {
		file := path.Join(rel, fluxV1File)
		d.add(refused(rel, file, errFluxV1))
		return
	}
	for _, name := range kustomizationFiles {
		if e, ok := names[name]; ok && !e.IsDir() {
			if d.isComponent(path.Join(rel, name)) {
				d.log.Debug("skipping kustomize component (it is built only by the kustomizations that use it)", "dir", rel)
				return
			}
			d.add(unit{kind: unitKustomize, path: rel, file: name})
			return
		}
	}
	for _, e := range entries {
		name := e.Name()
		child := path.Join(rel, name)
		if strings.HasPrefix(name, ".") {
			if e.IsDir() {
				d.log.Debug("skipping dot-directory", "dir", child)
			}
			continue
		}
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			fi, err := os.Stat(d.root.abs(child))
			switch {
			case err != nil:
				d.log.Debug("skipping broken symlink", "path", child, "error", err)
				continue
			case fi.IsDir():
				d.log.Debug("not following symlinked directory", "dir", child)
				continue
			case !isYAMLName(name):
				continue
			case !fi.Mode().IsRegular():
				d.add(refused(child, child, fmt.Errorf("a symbolic link to %s: only regular files are read", repofile.Kind(fi.Mode()))))
				continue
			}
			if err := d.root.inside(d.root.abs(child)); err != nil {
				d.add(refused(child, child, err))
				continue
			}
			typ = 0
		}
		switch {
		case typ.IsDir():
			d.dir(child)
		case typ.IsRegular() && isYAMLName(name):
			d.add(unit{kind: unitFile, path: child})
		case isYAMLName(name):
			// A named pipe, a socket or a device named like a manifest: said, not read.
			d.add(refused(child, child, fmt.Errorf("%s: only regular files are read", repofile.Kind(typ))))
		}
	}
}

// isComponent reports whether a kustomization file declares kind: Component. Such a
// directory is only meaningful through the kustomizations that list it in components.
func (d *discoverer) isComponent(file string) bool {
	data, err := d.root.readFile(file)
	if err != nil {
		return false
	}
	var k struct {
		Kind string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return false
	}
	return k.Kind == "Component"
}

func isYAMLName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}
