package images

import (
	"bytes"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// Edit replaces data[Start:End] (which must equal Old) of File with New. Edits touch the
// bytes of a tag (or of a tag and digest) only; everything else in the file is kept.
type Edit struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Start int    `json:"-"`
	End   int    `json:"-"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// SetTag returns the edit that sets the image's tag to tag. A digest, if any, is
// dropped (the new tag would not match it).
func (im *Image) SetTag(tag string) (Edit, error) {
	if err := ValidateTag(tag); err != nil {
		return Edit{}, err
	}
	switch im.Field {
	case FieldTag:
		if im.Ref.Digest != "" { // a kustomization entry pinned by digest
			return Edit{}, fmt.Errorf("%s: pinned by digest %s; remove the digest to follow tags", im.Where(), im.Ref.Digest)
		}
		if im.insert != nil {
			return im.insertTag(tag)
		}
		return im.replaceValue(0, len(im.Value), tag, true)
	case FieldImage:
		repoLen := len(im.Ref.Repository)
		if im.Err != nil || repoLen == 0 || repoLen > len(im.Value) || im.Value[:repoLen] != im.Ref.Repository {
			return Edit{}, fmt.Errorf("%s: cannot locate the tag in %q", im.Where(), im.Value)
		}
		if im.Ref.Tag != "" && im.Ref.Digest == "" {
			start := repoLen + 1
			return im.replaceValue(start, start+len(im.Ref.Tag), tag, false)
		}
		return im.replaceValue(repoLen, len(im.Value), ":"+tag, false)
	}
	return Edit{}, fmt.Errorf("%s: field %s holds no tag", im.Where(), im.Field)
}

// SetReference returns the edit that makes the image ref's tag and digest; the
// repository must be the same and is kept as written.
func (im *Image) SetReference(ref Reference) (Edit, error) {
	if !SameRepository(im.Ref, ref) {
		return Edit{}, fmt.Errorf("%s: %s is not the repository %s", im.Where(), ref.Repository, im.Ref.Repository)
	}
	if im.Field == FieldTag {
		if ref.Digest != "" {
			return Edit{}, fmt.Errorf("%s: the field holds a tag only; cannot set digest %s", im.Where(), ref.Digest)
		}
		return im.SetTag(ref.Tag)
	}
	if im.Field != FieldImage {
		return Edit{}, fmt.Errorf("%s: field %s holds no tag", im.Where(), im.Field)
	}
	repoLen := len(im.Ref.Repository)
	if im.Err != nil || im.Value[:repoLen] != im.Ref.Repository {
		return Edit{}, fmt.Errorf("%s: cannot locate the tag in %q", im.Where(), im.Value)
	}
	suffix := ""
	if ref.Tag != "" {
		suffix = ":" + ref.Tag
	}
	if ref.Digest != "" {
		suffix += "@" + ref.Digest
	}
	return im.replaceValue(repoLen, len(im.Value), suffix, false)
}

// replaceValue replaces Value[from:to] with s. When whole is set and the scalar is
// plain, a value YAML would read as a number or boolean is quoted.
func (im *Image) replaceValue(from, to int, s string, whole bool) (Edit, error) {
	if im.spanErr != nil {
		return Edit{}, fmt.Errorf("%s: %w", im.Where(), im.spanErr)
	}
	if im.span.end == 0 || im.span.end-im.span.start != len(im.Value) {
		return Edit{}, fmt.Errorf("%s: the value's bytes were not located; cannot rewrite in place", im.Where())
	}
	e := Edit{File: im.File, Line: im.Line, Start: im.span.start + from, End: im.span.start + to, Old: im.Value[from:to], New: s}
	if whole && im.span.quote == 0 && !plainIsString(s) {
		e.New = `"` + s + `"`
	}
	return e, nil
}

// plainIsString reports whether s written as a plain scalar reads back as a string, in
// YAML 1.2 and in YAML 1.1 (yes/no/on/off), since both kinds of parsers read manifests.
func plainIsString(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF":
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+s), &n); err != nil || len(n.Content) == 0 {
		return false
	}
	v := gitopsfile.MappingValue(n.Content[0], "v")
	return v != nil && v.Tag == "!!str"
}

// Rewrite applies edits to data (the edits of one file) and returns the new bytes.
// Every edit's Old must still be at its place, and edits must not overlap.
func Rewrite(data []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b bytes.Buffer
	b.Grow(len(data) + 64)
	pos := 0
	for _, e := range sorted {
		if e.Start < pos || e.End < e.Start || e.End > len(data) {
			return nil, fmt.Errorf("%s:%d: overlapping or out-of-range edit", e.File, e.Line)
		}
		if string(data[e.Start:e.End]) != e.Old {
			return nil, fmt.Errorf("%s:%d: expected %q, found %q: the file changed since it was scanned", e.File, e.Line, e.Old, data[e.Start:e.End])
		}
		b.Write(data[pos:e.Start])
		b.WriteString(e.New)
		pos = e.End
	}
	b.Write(data[pos:])
	return b.Bytes(), nil
}

// RewriteFiles applies edits to the files they name and returns the new contents of
// the files that changed. Nothing is written: callers decide where the bytes go.
func RewriteFiles(files map[string][]byte, edits []Edit) (map[string][]byte, error) {
	byFile := map[string][]Edit{}
	for _, e := range edits {
		byFile[e.File] = append(byFile[e.File], e)
	}
	out := map[string][]byte{}
	for file, es := range byFile {
		data, ok := files[file]
		if !ok {
			return nil, fmt.Errorf("%s: not among the scanned files", file)
		}
		nd, err := Rewrite(data, es)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(nd, data) {
			out[file] = nd
		}
	}
	return out, nil
}
