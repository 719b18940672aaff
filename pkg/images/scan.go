package images

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// File is a YAML file to scan: its path relative to the root (slash-separated) and data.
type File struct {
	Path string
	Data []byte
}

// Image is one place in the manifests that holds an image reference (or part of one).
type Image struct {
	File   string     `json:"file"`
	Line   int        `json:"line"`
	Column int        `json:"column"`
	Object *object.ID `json:"object,omitempty"`
	// Container is the container name for workload images.
	Container string `json:"container,omitempty"`
	// Path is the field in the document, e.g. "spec.template.spec.containers[0].image".
	Path  string    `json:"path"`
	Field FieldKind `json:"field"`
	// Value is the field's value as written.
	Value string `json:"value"`
	// Ref is the reference the field stands for (for a tag field, the policy's image
	// with that tag). Unset when Err is set.
	Ref Reference `json:"ref"`
	// Policy names what chooses the tag: a .gitops.yaml policy name, or a Flux v1
	// annotation policy such as "semver:~1.0". Empty when not automated.
	Policy    string `json:"policy,omitempty"`
	Automated bool   `json:"automated"`
	Locked    bool   `json:"locked,omitempty"`
	// Err is why this image cannot be automated (unparseable reference, unknown policy).
	Err error `json:"-"`

	policy  Policy
	named   *NamedPolicy
	span    span
	spanErr error      // why the value's bytes cannot be rewritten in place
	insert  *insertion // where a missing tag field goes (kustomization images: entries)
	pull    *PullSecretRef
}

// Where renders "file:line" and the object, for messages.
func (im *Image) Where() string { return where(im.File, im.Line, im.Object, im.Container) }

// where renders "file:line", then the object and the container when known.
func where(file string, line int, obj *object.ID, container string) string {
	s := fmt.Sprintf("%s:%d", file, line)
	if obj != nil {
		s += ": " + obj.String()
	}
	if container != "" {
		s += " container " + container
	}
	return s
}

// Source is the image's place as a manifest.Source.
func (im *Image) Source() manifest.Source { return manifest.Source{File: im.File, Line: im.Line} }

// PolicyOf returns the compiled policy, nil when not automated.
func (im *Image) PolicyOf() Policy { return im.policy }

// MinAge is the minimum release age of the image's policy (0 when none).
func (im *Image) MinAge() time.Duration {
	if im.named == nil {
		return 0
	}
	return im.named.MinAge
}

// problem builds the error for an image.
func (im *Image) problem(err error) *manifest.Error {
	e := &manifest.Error{Source: im.Source(), Err: err}
	if im.Object != nil {
		e.Object = im.Object.String()
	}
	if im.Container != "" {
		e.Err = fmt.Errorf("container %s: %w", im.Container, err)
	}
	return e
}

// Scan finds every image reference in files: the containers and init containers of
// workloads (with their Flux v1 annotations), the images: entries of kustomization
// files (bound to the policies of their repository), and any scalar field carrying a
// marker comment. rules (may be nil) supplies the named policies markers refer to.
//
// Problems tied to one image are set on Image.Err and also returned; a file that does
// not parse is returned as an error and the other files are still scanned.
func Scan(files []File, rules *Rules) ([]Image, []error) {
	var (
		out  []Image
		errs []error
	)
	for _, f := range files {
		imgs, ferrs := scanFile(f, rules)
		out = append(out, imgs...)
		errs = append(errs, ferrs...)
	}
	return out, errs
}

func scanFile(f File, rules *Rules) ([]Image, []error) {
	var (
		out  []Image
		errs []error
	)
	li := newLineIndex(f.Data)
	nodes, err := manifest.YAMLNodes(f.Data)
	for _, n := range nodes {
		if len(n.Content) == 0 {
			continue
		}
		s := &fileScanner{file: f, li: li, rules: rules, kustomization: manifest.IsKustomizationFile(f.Path)}
		s.object(n.Content[0])
		out = append(out, s.images...)
		errs = append(errs, s.errs...)
	}
	if err != nil {
		errs = append(errs, &manifest.Error{Source: manifest.Source{File: f.Path}, Err: fmt.Errorf("parse YAML: %w", err)})
	}
	return out, errs
}

type fileScanner struct {
	file   File
	li     lineIndex
	rules  *Rules
	images []Image
	errs   []error
	// kustomization is set for kustomization.yaml files: their images: entries count.
	kustomization bool
}

func (s *fileScanner) object(root *yaml.Node) {
	if root.Kind != yaml.MappingNode {
		return
	}
	d := newDoc(root)
	if items := gitopsfile.MappingValue(root, "items"); items != nil && items.Kind == yaml.SequenceNode && strings.HasSuffix(d.kind, "List") {
		for _, it := range items.Content {
			s.object(it)
		}
		return
	}
	handled := map[*yaml.Node]bool{}
	fa := readFluxAnnotations(d.annotations)
	pull := d.pullSecrets()
	for _, c := range d.containers() {
		handled[c.image] = true
		s.workloadImage(d, fa, c.image, c.path, c.name, "", pull)
	}
	for _, h := range d.helmImages() {
		if h.full != nil {
			handled[h.full] = true
			s.workloadImage(d, fa, h.full, h.path, h.container, "", nil)
		} else {
			handled[h.tag] = true
			s.workloadImage(d, fa, h.tag, h.path, h.container, h.repo, nil)
		}
	}
	if s.kustomization {
		s.kustomizeImages(d, handled)
	}
	s.markers(d, root, "", handled)
}

// workloadImage records the image of a container (or a HelmRelease values image) with
// its Flux v1 annotations; a marker comment on the field wins over them. repo is set
// when the field holds the tag only.
func (s *fileScanner) workloadImage(d doc, fa fluxAnnotations, n *yaml.Node, path, container, repo string, pull *PullSecretRef) {
	im := s.newImage(d, n, path)
	im.Container = container
	im.Field = FieldImage
	im.Locked = fa.locked
	im.pull = pull
	policyName, field, marked, err := parseMarker(n.LineComment)
	switch {
	case err != nil:
		s.fail(&im, err)
	case marked:
		s.bind(&im, policyName, field)
	default:
		if repo != "" {
			im.Field = FieldTag
			im.Ref, im.Err = NewReference(repo, im.Value)
		} else {
			im.Ref, im.Err = ParseReference(im.Value)
		}
		if spec, explicit := fa.policyFor(container); fa.automated || explicit {
			p, perr := ParsePolicy(spec)
			if perr != nil {
				perr = fmt.Errorf("annotation %s%s: %w", AnnotationTagPrefix, container, perr)
				if im.Err == nil {
					im.Err = perr
				}
			} else {
				im.policy = p
				im.Policy = p.String()
			}
			im.Automated = fa.automated
		}
		if im.Err != nil {
			s.fail(&im, im.Err)
		}
	}
	s.add(im)
}

// add records an image; one that is automated but cannot be rewritten in place is a
// problem now rather than at update time.
func (s *fileScanner) add(im Image) {
	if im.Automated && im.spanErr != nil {
		s.fail(&im, im.spanErr)
	}
	s.images = append(s.images, im)
}

// markers walks every scalar of the document for marker comments.
func (s *fileScanner) markers(d doc, n *yaml.Node, path string, handled map[*yaml.Node]bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			s.markers(d, n.Content[i+1], joinPath(path, n.Content[i].Value), handled)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			s.markers(d, c, fmt.Sprintf("%s[%d]", path, i), handled)
		}
	case yaml.ScalarNode:
		if handled[n] || n.LineComment == "" {
			return
		}
		policyName, field, marked, err := parseMarker(n.LineComment)
		if !marked && err == nil {
			return
		}
		im := s.newImage(d, n, path)
		if err != nil {
			s.fail(&im, err)
		} else {
			s.bind(&im, policyName, field)
		}
		s.add(im)
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (s *fileScanner) newImage(d doc, n *yaml.Node, path string) Image {
	im := Image{File: s.file.Path, Line: s.li.fileLine(n.Line), Column: n.Column, Object: d.id, Path: path, Value: n.Value}
	im.span, im.spanErr = scalarSpan(s.file.Data, s.li, n)
	return im
}

// bind applies a marker: the field follows named policy name.
func (s *fileScanner) bind(im *Image, policyName string, field FieldKind) {
	im.Field = field
	im.Policy = policyName
	np := s.rules.policy(policyName)
	if np == nil {
		s.fail(im, undefinedPolicy(policyName))
		return
	}
	im.named = np
	im.policy = np.Policy
	im.Automated = field != FieldName
	if im.spanErr != nil && im.Automated {
		s.fail(im, im.spanErr)
		return
	}
	var err error
	switch field {
	case FieldImage:
		im.Ref, err = ParseReference(im.Value)
		if err == nil && !SameRepository(im.Ref, np.Image) {
			err = fmt.Errorf("image %s is not the repository %s of policy %q", im.Value, np.Image.Repository, policyName)
		}
	case FieldTag:
		if err = ValidateTag(im.Value); err == nil {
			im.Ref = np.Image.WithTag(im.Value)
		}
	case FieldName:
		im.Ref, err = ParseReference(im.Value)
		im.Policy = ""
	}
	if err != nil {
		s.fail(im, err)
	}
}

func undefinedPolicy(name string) error {
	return fmt.Errorf("marker names policy %q, which is not defined in %s under %s.policies", name, ConfigFile, ConfigKey)
}

func (s *fileScanner) fail(im *Image, err error) {
	im.Err = err
	im.Automated = false
	im.policy = nil
	s.errs = append(s.errs, im.problem(err))
}
