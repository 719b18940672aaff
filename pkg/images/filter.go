package images

import "fmt"

// ImageFilter decides which image repositories are scanned: included (all when the
// include list is empty) and not excluded. Globs match the repository as written, its
// familiar form (docker.io/library/nginx) and its canonical form
// (index.docker.io/library/nginx); '*' also matches '/'.
type ImageFilter struct {
	include, exclude []*glob
}

// NewImageFilter compiles include and exclude globs; a nil exclude means DefaultExclude.
func NewImageFilter(include, exclude []string) (*ImageFilter, error) {
	if exclude == nil {
		exclude = DefaultExclude
	}
	f := &ImageFilter{}
	for _, p := range include {
		g, err := compileGlob(p)
		if err != nil {
			return nil, fmt.Errorf("include: %w", err)
		}
		f.include = append(f.include, g)
	}
	for _, p := range exclude {
		g, err := compileGlob(p)
		if err != nil {
			return nil, fmt.Errorf("exclude: %w", err)
		}
		f.exclude = append(f.exclude, g)
	}
	return f, nil
}

// Extend returns a filter with more include and exclude globs (from flags).
func (f *ImageFilter) Extend(include, exclude []string) (*ImageFilter, error) {
	more, err := NewImageFilter(include, append([]string{}, exclude...))
	if err != nil {
		return nil, err
	}
	out := &ImageFilter{}
	if f != nil {
		out.include = append(out.include, f.include...)
		out.exclude = append(out.exclude, f.exclude...)
	}
	out.include = append(out.include, more.include...)
	out.exclude = append(out.exclude, more.exclude...)
	return out, nil
}

// Allows reports whether ref's repository is scanned.
func (f *ImageFilter) Allows(ref Reference) bool {
	if f == nil {
		return true
	}
	forms := repoForms(ref)
	if len(f.include) > 0 && !matchAny(f.include, forms) {
		return false
	}
	return !matchAny(f.exclude, forms)
}

func repoForms(ref Reference) []string {
	forms := []string{ref.Repository}
	if ref.repo.RegistryStr() == "" {
		return forms
	}
	canonical := ref.Name()
	familiar := canonical
	if ref.Registry() == "index.docker.io" {
		familiar = "docker.io/" + ref.repo.RepositoryStr()
	}
	return append(forms, familiar, canonical)
}

func matchAny(globs []*glob, forms []string) bool {
	for _, g := range globs {
		for _, s := range forms {
			if g.match(s) {
				return true
			}
		}
	}
	return false
}
