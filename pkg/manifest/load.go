package manifest

import (
	"context"
	"fmt"
	"sync"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// Load reads every source under root (see DiscoverFiles for the rules, plus Kustomize
// directories and, with WithManifestGeneration, .gitops.yaml generators) and returns
// the objects in a deterministic order: discovery order, then document order.
//
// Bad files and documents do not stop Load: each becomes a *Error naming the file and
// line (and the object when known), and the good objects are returned together with
// errors.Join of all of them. Callers must not apply anything when err != nil. A bad
// root or --path, or a canceled ctx, returns no objects.
func Load(ctx context.Context, root string, opts ...Option) ([]Object, error) {
	o := newOptions(opts)
	r, err := newSourceRoot(root)
	if err != nil {
		return nil, err
	}
	r.budget = repofile.NewBudget(repofile.Limits{MaxFileBytes: o.limits.MaxFileBytes, MaxTotalBytes: o.limits.MaxReadBytes})
	units, err := discover(r, o.paths, o.generation, o.log)
	if err != nil {
		return nil, err
	}

	type result struct {
		objs []Object
		errs []*Error
		size int64 // bytes rendered: the file, the generator output, the build's JSON
	}
	results := make([]result, len(units))
	sem := make(chan struct{}, o.concurrency)
	var wg sync.WaitGroup
	for i, u := range units {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			objs, errs, size := loadUnit(ctx, r, u, o)
			results[i] = result{objs, errs, size}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}

	var objs []Object
	var errs []*Error
	var size int64
	for i, res := range results {
		objs = append(objs, res.objs...)
		errs = append(errs, res.errs...)
		size += res.size
		if err := o.limits.checkRender(len(objs), size); err != nil {
			// The render is refused as a whole: planning a part of it would propose
			// deleting the rest.
			return nil, &Error{Source: Source{File: units[i].path}, Err: err}
		}
	}
	// Every value learnt from any source is redacted from every error.
	for _, e := range errs {
		e.Err = o.redactor.Error(e.Err)
	}
	o.log.Debug("loaded manifests", "root", root, "sources", len(units), "objects", len(objs), "errors", len(errs))
	return objs, joinErrors(errs)
}

func loadUnit(ctx context.Context, r sourceRoot, u unit, o options) ([]Object, []*Error, int64) {
	objs, errs, size := loadUnitObjects(ctx, r, u, o)
	addObjectSecrets(o.redactor, objs)
	return objs, errs, size
}

func loadUnitObjects(ctx context.Context, r sourceRoot, u unit, o options) ([]Object, []*Error, int64) {
	switch u.kind {
	case unitFile:
		data, err := r.readFile(u.path)
		if err != nil {
			return nil, []*Error{{Source: Source{File: u.path}, Err: err}}, 0
		}
		addSecretsInYAML(o.redactor, data) // also Secrets that do not parse as objects
		objs, errs := parseDocuments(u.path, data, o.log)
		o.log.Debug("parsed file", "file", u.path, "objects", len(objs), "errors", len(errs))
		return objs, errs, int64(len(data))
	case unitKustomize:
		objs, errs, size := buildKustomization(ctx, r, u.path, u.file, o)
		o.log.Debug("built kustomization", "dir", u.path, "objects", len(objs), "errors", len(errs))
		return objs, errs, size
	case unitGenerator:
		objs, errs, size := runGenerators(ctx, r, u.path, o.generatorTimeout)
		o.log.Debug("ran generators", "dir", u.path, "objects", len(objs), "errors", len(errs))
		return objs, errs, size
	default:
		return nil, u.errs, 0
	}
}
