package manifest

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// lineIndex finds the line a Kustomize output object started on in its origin file. The
// output may be renamed (prefixes, suffixes, hashes) and patched, so the match is by
// kind and then by name (exact, else the longest original name within the output name),
// and only an unambiguous match gives a line.
type lineIndex struct {
	root  sourceRoot
	files map[string][]Object
}

func newLineIndex(root sourceRoot) *lineIndex {
	return &lineIndex{root: root, files: map[string][]Object{}}
}

func (x *lineIndex) find(file string, u *unstructured.Unstructured) int {
	objs, ok := x.files[file]
	if !ok {
		if data, err := x.root.readFile(file); err == nil {
			objs, _ = parseDocuments(file, data, nil)
		}
		x.files[file] = objs
	}
	var cands []Object
	for _, o := range objs {
		if o.Obj.GetKind() == u.GetKind() {
			cands = append(cands, o)
		}
	}
	if len(cands) == 1 {
		return cands[0].Source.Line
	}
	for _, o := range cands {
		if o.Obj.GetName() == u.GetName() {
			return o.Source.Line
		}
	}
	// Renamed: the longest original name inside the output name, if only one has that length.
	line, best, tie := 0, 0, false
	for _, o := range cands {
		n := o.Obj.GetName()
		if !strings.Contains(u.GetName(), n) {
			continue
		}
		switch {
		case len(n) > best:
			line, best, tie = o.Source.Line, len(n), false
		case len(n) == best:
			tie = true
		}
	}
	if tie {
		return 0
	}
	return line
}
