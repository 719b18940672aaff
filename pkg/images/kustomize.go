package images

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// The images: list of a kustomization file (kustomization.yaml, kustomization.yml,
// Kustomization) is where Kustomize overlays pin images:
//
//	images:
//	- name: ghcr.io/acme/app                  # the image as the resources write it
//	  newName: registry.example.com/acme/app  # optional: the repository it becomes
//	  newTag: 1.2.3                           # the tag: the only bytes a bump changes
//	  digest: sha256:…                        # pinned: listed, never bumped
//
// An entry is automated without a marker comment when exactly one policy of
// .gitops.yaml has its repository (newName if set, else name). A marker comment on
// newTag ({"$imagepolicy": "policy:tag"}) chooses the policy instead (its image is the
// entry's then, as for any marker), which also settles an image that several policies
// cover. An entry without newTag gets one, added after
// the name (or newName) line in the entry's own indentation, or after the last value of
// a flow mapping; where that cannot be done in place the entry is reported instead.

// kustomizeImages records the entries of a kustomization's images: list.
func (s *fileScanner) kustomizeImages(d doc, handled map[*yaml.Node]bool) {
	list := gitopsfile.MappingValue(d.root, "images")
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	for i, e := range list.Content {
		if e.Kind != yaml.MappingNode {
			continue // kustomize reports it
		}
		s.kustomizeImage(d, e, fmt.Sprintf("images[%d]", i), handled)
	}
}

func (s *fileScanner) kustomizeImage(d doc, e *yaml.Node, path string, handled map[*yaml.Node]bool) {
	nameNode, newName, newTag, digest := gitopsfile.MappingValue(e, "name"), gitopsfile.MappingValue(e, "newName"), gitopsfile.MappingValue(e, "newTag"), gitopsfile.MappingValue(e, "digest")
	repoNode := newName
	if scalar(newName) == "" {
		repoNode = nameNode
	}
	written := scalar(repoNode)
	if written == "" {
		return // no image to speak of; kustomize reports it
	}
	if _, field, marked, merr := parseMarker(repoNode.LineComment); merr != nil || marked && field != FieldName {
		return // a marker rewrites the repository itself: the entry is the marker's
	}
	var im Image
	if newTag != nil {
		handled[newTag] = true
		im = s.newImage(d, newTag, path+".newTag")
	} else {
		im = Image{File: s.file.Path, Line: s.li.fileLine(e.Line), Column: e.Column, Object: d.id, Path: path + ".newTag"}
		im.insert, im.spanErr = s.newTagInsertion(e, repoNode)
	}
	im.Field = FieldTag

	ref, err := kustomizeReference(repoNode == newName, written, scalar(newTag), scalar(digest))
	if err != nil && newTag == nil && digest == nil {
		return // a rename only, and not one this tool could follow: kustomize's to report
	}
	var comment string
	if newTag != nil {
		comment = newTag.LineComment
	}
	policyName, field, marked, merr := parseMarker(comment)
	switch {
	case merr != nil:
		s.fail(&im, merr)
	case marked:
		s.bindKustomize(&im, policyName, field, scalar(newTag), scalar(digest))
	case err != nil:
		s.fail(&im, err)
	default:
		im.Ref = ref
		covering := s.rules.policiesFor(ref)
		switch len(covering) {
		case 0:
			if newTag == nil && digest == nil {
				return // a rename only: no tag here to list
			}
		case 1:
			s.automate(&im, covering[0])
		default:
			names := make([]string, len(covering))
			for i, np := range covering {
				names[i] = np.Name
			}
			s.fail(&im, fmt.Errorf("image %s is covered by the policies %s of %s: choose one with a marker comment on newTag, e.g. # {\"%s\": \"%s:tag\"}",
				ref.Repository, strings.Join(names, ", "), ConfigFile, MarkerKey, names[0]))
		}
	}
	s.add(im)
}

// kustomizeReference is the image an entry makes: its repository (newName, or name
// without any tag), newTag and digest.
func kustomizeReference(isNewName bool, written, tag, digest string) (Reference, error) {
	base, err := ParseReference(written)
	if err != nil {
		return Reference{}, err
	}
	if isNewName && (base.Tag != "" || base.Digest != "") {
		return Reference{}, fmt.Errorf("newName %q: give the repository without tag or digest (use newTag and digest)", written)
	}
	s := base.Repository
	if tag != "" {
		s += ":" + tag
	}
	if digest != "" {
		s += "@" + digest
	}
	return ParseReference(s)
}

// bindKustomize applies a marker comment on newTag, as a marker binds any tag field:
// the policy's image with this tag (and the entry's digest, which keeps it pinned).
func (s *fileScanner) bindKustomize(im *Image, policyName string, field FieldKind, tag, digest string) {
	if field != FieldTag {
		s.fail(im, fmt.Errorf("newTag holds the tag only: write the marker as # {\"%s\": \"%s:tag\"}", MarkerKey, policyName))
		return
	}
	np := s.rules.policy(policyName)
	if np == nil {
		im.Policy = policyName
		s.fail(im, undefinedPolicy(policyName))
		return
	}
	if _, err := kustomizeReference(false, np.Image.Repository, tag, digest); err != nil {
		s.fail(im, err)
		return
	}
	im.Ref = np.Image.WithTag(tag)
	im.Ref.Digest = digest
	s.automate(im, np)
}

// automate binds an entry to a policy that updates it.
func (s *fileScanner) automate(im *Image, np *NamedPolicy) {
	im.Policy, im.named, im.policy, im.Automated = np.Name, np, np.Policy, true
}

// policiesFor returns the policies whose image is ref's repository, by name.
func (r *Rules) policiesFor(ref Reference) []*NamedPolicy {
	if r == nil {
		return nil
	}
	var out []*NamedPolicy
	for _, np := range r.Policies {
		if SameRepository(np.Image, ref) {
			out = append(out, np)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *Rules) policy(name string) *NamedPolicy {
	if r == nil {
		return nil
	}
	return r.Policies[name]
}

// insertion says where a missing tag field goes: New = prefix + tag + suffix at off.
type insertion struct {
	off            int
	prefix, suffix string
}

// newTagInsertion finds where "newTag: X" can be added to entry e without touching any
// other byte: on a line of its own after the line of after (name or newName) in a
// block mapping, indented like the entry's keys; or as ", newTag: X" after the last
// value of a flow mapping that closes on the same line.
func (s *fileScanner) newTagInsertion(e, after *yaml.Node) (*insertion, error) {
	data := s.file.Data
	cannot := func(why string) error {
		return fmt.Errorf("line %d: cannot add newTag to this images: entry in place (%s); add it by hand", s.li.fileLine(e.Line), why)
	}
	if e.Style&yaml.FlowStyle != 0 {
		last := e.Content[len(e.Content)-1]
		end, err := s.scalarEnd(last)
		if err != nil {
			return nil, cannot(err.Error())
		}
		rest := bytes.TrimLeft(data[end:lineEnd(data, end)], " \t")
		if len(rest) == 0 || rest[0] != '}' {
			return nil, cannot("the flow mapping does not close after its last value")
		}
		return &insertion{off: end, prefix: ", newTag: "}, nil
	}
	var key *yaml.Node
	for i := 0; i+1 < len(e.Content); i += 2 {
		if e.Content[i+1] == after {
			key = e.Content[i]
		}
	}
	if key == nil || key.Kind != yaml.ScalarNode {
		return nil, cannot("no name key")
	}
	end, err := s.scalarEnd(after)
	if err != nil {
		return nil, cannot(err.Error())
	}
	// What follows the value on its line may only be blanks and a comment.
	eol := lineEnd(data, end)
	if rest := bytes.TrimLeft(data[end:eol], " \t"); len(rest) > 0 && rest[0] != '#' {
		return nil, cannot("more follows the value on its line")
	}
	// The key's line up to the key must be spaces and sequence dashes only.
	keyOff, err := s.li.offset(data, key.Line, key.Column)
	if err != nil {
		return nil, cannot(err.Error())
	}
	lineStart := s.li.start[key.Line-1]
	if strings.Trim(string(data[lineStart:keyOff]), " -") != "" || keyOff-lineStart != key.Column-1 {
		return nil, cannot("the key is not indented with spaces")
	}
	br := "\n"
	if n := manifest.YAMLBreakLen(data[eol:]); n > 0 {
		br = string(data[eol : eol+n])
	} else if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		br = "\r\n"
	}
	return &insertion{off: eol, prefix: br + strings.Repeat(" ", key.Column-1) + "newTag: "}, nil
}

// scalarEnd is the offset just past scalar n as written (its closing quote included).
func (s *fileScanner) scalarEnd(n *yaml.Node) (int, error) {
	sp, err := scalarSpan(s.file.Data, s.li, n)
	if err != nil {
		return 0, err
	}
	if sp.quote != 0 {
		return sp.end + 1, nil
	}
	return sp.end, nil
}

// insertTag returns the edit that adds the missing tag field.
func (im *Image) insertTag(tag string) (Edit, error) {
	if im.spanErr != nil {
		return Edit{}, fmt.Errorf("%s: %w", im.Where(), im.spanErr)
	}
	v := tag
	if !plainIsString(tag) {
		v = `"` + tag + `"`
	}
	in := im.insert
	return Edit{File: im.File, Line: im.Line, Start: in.off, End: in.off, New: in.prefix + v + in.suffix}, nil
}
