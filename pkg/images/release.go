package images

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// WorkloadSelector names a workload: kind (case-insensitive, group suffix optional) and
// name, in a namespace ("" matches objects without one, which count as DefaultNamespace).
type WorkloadSelector struct {
	Namespace string
	Kind      string
	Name      string
}

// DefaultNamespace is the namespace of objects that name none.
const DefaultNamespace = "default"

// ParseWorkload parses "kind/name" or fluxctl's "namespace:kind/name"; namespace
// applies when s names none.
func ParseWorkload(s, namespace string) (WorkloadSelector, error) {
	ws := WorkloadSelector{Namespace: namespace}
	rest := s
	if ns, r, ok := strings.Cut(s, ":"); ok {
		ws.Namespace, rest = ns, r
	}
	kind, nm, ok := strings.Cut(rest, "/")
	if !ok || kind == "" || nm == "" || strings.Contains(nm, "/") {
		return WorkloadSelector{}, fmt.Errorf("invalid workload %q: want kind/name or namespace:kind/name (e.g. deployment/web)", s)
	}
	ws.Kind, ws.Name = kind, nm
	if ws.Namespace == "" {
		ws.Namespace = DefaultNamespace
	}
	return ws, nil
}

func (ws WorkloadSelector) String() string {
	return fmt.Sprintf("%s:%s/%s", ws.Namespace, strings.ToLower(ws.Kind), ws.Name)
}

// Matches reports whether id is the selected workload.
func (ws WorkloadSelector) Matches(id object.ID) bool {
	ns := id.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if ns != ws.Namespace || id.Name != ws.Name {
		return false
	}
	k := strings.ToLower(ws.Kind)
	if i := strings.IndexByte(k, '.'); i >= 0 { // deployment.apps
		if strings.ToLower(id.Group) != k[i+1:] {
			return false
		}
		k = k[:i]
	}
	kind := strings.ToLower(id.Kind)
	return k == kind || k == kind+"s"
}

// ReleaseSpec says which image to set on which workloads.
type ReleaseSpec struct {
	// Image is the reference to set: repository plus tag and/or digest.
	Image Reference
	// Workloads to change; every one must exist and use the image's repository.
	Workloads []WorkloadSelector
	// All changes every workload that uses the image's repository.
	All bool
	// Containers limits the change to these container names (empty: all using the repository).
	Containers []string
	// Force releases locked workloads too (fluxcd.io/locked).
	Force bool
}

// ReleaseResult is what a release would change, and what it left alone and why.
type ReleaseResult struct {
	Updates []Update  `json:"updates"`
	Skipped []Problem `json:"skipped,omitempty"`
}

// Release computes the edits that set spec.Image on the chosen workloads' containers
// (the fluxctl release equivalent: git is edited, not the cluster). It fails, changing
// nothing, when a named workload is missing, uses no container of that repository, or
// is locked without Force.
func Release(imgs []Image, spec ReleaseSpec) (*ReleaseResult, error) {
	if spec.Image.Tag == "" && spec.Image.Digest == "" {
		return nil, fmt.Errorf("image %s: give a tag or digest to release", spec.Image.Repository)
	}
	if spec.All == (len(spec.Workloads) > 0) {
		return nil, errors.New("name workloads or ask for all of them, not both nor neither")
	}
	wantContainer := map[string]bool{}
	for _, c := range spec.Containers {
		wantContainer[c] = true
	}
	res := &ReleaseResult{}
	var errs []error
	matched := make([]bool, len(spec.Workloads))
	usedRepo := make([]bool, len(spec.Workloads))
	seenLocked := map[string]bool{}
	for i := range imgs {
		im := &imgs[i]
		if im.Object == nil || im.Container == "" || im.Field != FieldImage {
			continue
		}
		sel := -1
		for j, ws := range spec.Workloads {
			if ws.Matches(*im.Object) {
				sel = j
				matched[j] = true
			}
		}
		if !spec.All && sel < 0 {
			continue
		}
		if im.Err != nil {
			if sel >= 0 {
				errs = append(errs, fmt.Errorf("%s: %w", im.Where(), im.Err))
			}
			continue
		}
		if !SameRepository(im.Ref, spec.Image) || (len(wantContainer) > 0 && !wantContainer[im.Container]) {
			continue
		}
		if sel >= 0 {
			usedRepo[sel] = true
		}
		if im.Locked && !spec.Force {
			key := im.Object.String()
			if sel >= 0 {
				errs = append(errs, fmt.Errorf("%s: the workload is locked (%s); release with --force to override", im.Where(), AnnotationLocked))
			} else if !seenLocked[key] {
				seenLocked[key] = true
				res.Skipped = append(res.Skipped, Problem{File: im.File, Line: im.Line, Object: key, Image: im.Value, Message: "locked (" + AnnotationLocked + ")"})
			}
			continue
		}
		if im.Ref.Tag == spec.Image.Tag && im.Ref.Digest == spec.Image.Digest {
			res.Skipped = append(res.Skipped, Problem{File: im.File, Line: im.Line, Object: im.Object.String(), Image: im.Value,
				Message: "container " + im.Container + " already runs " + spec.Image.String()})
			continue
		}
		e, err := im.SetReference(spec.Image)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tag := spec.Image.Tag
		u := newUpdate(im, e, tag)
		u.Policy = ""
		res.Updates = append(res.Updates, u)
	}
	for j, ws := range spec.Workloads {
		switch {
		case !matched[j]:
			errs = append(errs, fmt.Errorf("workload %s: not found in the manifests", ws))
		case !usedRepo[j]:
			errs = append(errs, fmt.Errorf("workload %s: no container uses %s%s", ws, spec.Image.Repository, containerNote(spec.Containers)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if spec.All && len(res.Updates) == 0 && len(res.Skipped) == 0 {
		return nil, fmt.Errorf("no workload uses %s%s", spec.Image.Repository, containerNote(spec.Containers))
	}
	sort.SliceStable(res.Updates, func(i, j int) bool {
		if res.Updates[i].File != res.Updates[j].File {
			return res.Updates[i].File < res.Updates[j].File
		}
		return res.Updates[i].Line < res.Updates[j].Line
	})
	return res, nil
}

func containerNote(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return " in container(s) " + strings.Join(cs, ", ")
}
