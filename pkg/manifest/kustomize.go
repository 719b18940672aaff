package manifest

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/sync/semaphore"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// originAnnotation is where Kustomize records the file a resource came from when the
// kustomization's buildMetadata lists originAnnotations.
const originAnnotation = "config.kubernetes.io/origin"

// kustomizeBuilds lets builds run at once, but one whose tree sets `openapi:` runs
// alone: Kustomize keeps that schema in package state, for every build of the process,
// so it is put back to the default before the next build starts.
var kustomizeBuilds = semaphore.NewWeighted(exclusiveBuild)

const exclusiveBuild = 1 << 30

// buildKustomization builds the kustomization in dir (relative to the root) with plugins
// off, no network, and reads limited to the source root. Objects carry the file they came
// from when Kustomize knows it, else the kustomization file.
//
// The build runs on its own goroutine: when ctx ends, buildKustomization returns at once,
// and the build stops at its next file system call (rootFS fails them all).
func buildKustomization(ctx context.Context, root sourceRoot, dir, kustFile string, o options) ([]Object, []*Error, int64) {
	// No build may reach a network: Kustomize's loader fetches http(s) paths with Go's
	// default transport, and its remote bases with git; netguard closes both.
	netguard.Close()
	kfile := path.Join(dir, kustFile)
	checked := checkKustomization(root, dir)
	if len(checked.errs) > 0 {
		return nil, checked.errs, 0
	}
	userOrigins := false
	rewrite := func(data []byte) []byte {
		out, had, err := withOriginAnnotations(data)
		if err != nil {
			return data
		}
		userOrigins = had
		return out
	}
	absDir := root.abs(dir)
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone // rootFS limits reads to the source root
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.Reorder = krusty.ReorderOptionNone
	opts.AddManagedbyLabel = false

	fs := newRootFS(ctx, root, absDir, rewrite)
	fs.openAPI = checked.openAPI
	reads := fileReads{}
	fs.read = func(p string, data []byte) { reads[p] = data }
	stopped := func() []*Error {
		return []*Error{{Source: Source{File: kfile}, Err: fmt.Errorf("kustomize build stopped: %w", context.Cause(ctx))}}
	}
	weight := int64(1)
	if checked.openAPI {
		weight = exclusiveBuild
	}
	if err := kustomizeBuilds.Acquire(ctx, weight); err != nil {
		return nil, stopped(), 0
	}
	type result struct {
		resMap resmap.ResMap
		err    error
	}
	done := make(chan result, 1)
	go func() {
		defer kustomizeBuilds.Release(weight)
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("kustomize failed: %v", p)}
			}
		}()
		if checked.openAPI {
			defer openapi.ResetOpenAPI()
		}
		m, err := krusty.MakeKustomizer(opts).Run(fs, absDir)
		done <- result{m, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, stopped(), 0
	}
	// Before any error is reported: it may quote a Secret or a generator input it read.
	addKustomizeInputs(o.redactor, root, reads)
	if err := res.err; err != nil {
		if fs.refused != nil {
			return nil, []*Error{{Source: Source{File: kfile}, Err: fmt.Errorf("kustomize build: %w", fs.refused)}}, 0
		}
		if errs := refusedFetches(root, reads, err.Error()); len(errs) > 0 {
			return nil, errs, 0
		}
		return nil, []*Error{{Source: Source{File: kfile}, Err: fmt.Errorf("kustomize build: %s", oneLine(root.trim(err.Error())))}}, 0
	}
	resMap := res.resMap
	if err := o.limits.checkRender(resMap.Size(), 0); err != nil {
		return nil, []*Error{{Source: Source{File: kfile}, Err: fmt.Errorf("kustomize build: %w", err)}}, 0
	}

	lines := newLineIndex(root)
	var objs []Object
	var errs []*Error
	var size int64
	for _, res := range resMap.Resources() {
		src := Source{File: kfile}
		if origin, err := res.GetOrigin(); err == nil && origin != nil {
			src = originSource(root, dir, kfile, origin)
		}
		if !userOrigins {
			if err := stripAnnotation(res, originAnnotation); err != nil {
				errs = append(errs, &Error{Source: src, Err: err})
				continue
			}
		}
		data, err := res.MarshalJSON()
		if err != nil {
			errs = append(errs, &Error{Source: src, Err: fmt.Errorf("encode kustomize output: %w", err)})
			continue
		}
		size += int64(len(data))
		if err := o.limits.checkRender(0, size); err != nil {
			return nil, []*Error{{Source: Source{File: kfile}, Err: fmt.Errorf("kustomize build: %w", err)}}, 0
		}
		var m map[string]interface{}
		if err := utiljson.Unmarshal(data, &m); err != nil {
			errs = append(errs, &Error{Source: src, Err: fmt.Errorf("decode kustomize output: %w", err)})
			continue
		}
		if src.File != kfile {
			src.Line = lines.find(src.File, &unstructured.Unstructured{Object: m})
		}
		got, e, skip := objectsFromMap(m, src)
		if skip != "" {
			e = append(e, &Error{Source: src, Err: fmt.Errorf("kustomize produced a document that is not a Kubernetes object: %s", skip)})
		}
		objs = append(objs, got...)
		errs = append(errs, e...)
	}
	return objs, errs, size
}

// originSource maps a Kustomize origin (relative to the built directory) to a Source.
func originSource(root sourceRoot, dir, kfile string, o *resource.Origin) Source {
	if o.Repo != "" {
		return Source{File: kfile}
	}
	p := o.Path
	if p == "" {
		p = o.ConfiguredIn
	}
	if p == "" {
		return Source{File: kfile}
	}
	abs := filepath.Join(root.abs(dir), filepath.FromSlash(p))
	if !root.contains(abs) {
		return Source{File: kfile}
	}
	return Source{File: root.rel(abs)}
}

func stripAnnotation(res *resource.Resource, key string) error {
	ann := res.GetAnnotations()
	if _, ok := ann[key]; !ok {
		return nil
	}
	delete(ann, key)
	if err := res.SetAnnotations(ann); err != nil {
		return fmt.Errorf("remove annotation %s: %w", key, err)
	}
	return nil
}

// withOriginAnnotations adds originAnnotations to a kustomization's buildMetadata. had
// reports whether the user asked for them already (then they stay on the objects).
func withOriginAnnotations(data []byte) (out []byte, had bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, false, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false, fmt.Errorf("kustomization is not a mapping")
	}
	top := doc.Content[0]
	bm := gitopsfile.MappingValue(top, "buildMetadata")
	if bm == nil {
		top.Content = append(top.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"})
		bm = top.Content[len(top.Content)-1]
	}
	if bm.Kind != yaml.SequenceNode {
		return nil, false, fmt.Errorf("buildMetadata is not a list")
	}
	for _, n := range bm.Content {
		if n.Value == types.OriginAnnotations {
			return data, true, nil
		}
	}
	bm.Content = append(bm.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: types.OriginAnnotations})
	out, err = yaml.Marshal(&doc)
	return out, false, err
}

// trim removes the absolute root from messages so they name files relative to it.
func (r sourceRoot) trim(msg string) string {
	msg = strings.ReplaceAll(msg, r.dir+string(filepath.Separator), "")
	return rootRE(r.dir).ReplaceAllString(msg, ".$1")
}

// rootRE matches the root directory itself, not a longer name it is a prefix of.
func rootRE(dir string) *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(dir) + `([^\w.\-/]|$)`)
}

// oneLine folds a multi-line message into one line.
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.ReplaceAll(strings.Join(lines, " "), ": ;", ":")
}
