package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	yamlv2 "go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// bookkeepingLabels and bookkeepingAnnotations are the metadata this tool (and the
// ApplySet convention it follows) writes for itself: a reviewer has no use for them, so
// a diff leaves them out unless they are all that changes (adopting an object).
var (
	bookkeepingLabels      = []string{inventory.LabelPartOf, inventory.LabelID}
	bookkeepingAnnotations = []string{
		object.AnnotationAppliedHash,
		inventory.AnnotationTooling, inventory.AnnotationGroupKinds, inventory.AnnotationAdditionalNS,
		inventory.AnnotationLastRevision, inventory.AnnotationLastAppliedTime,
		inventory.AnnotationLastSummary, inventory.AnnotationLastSource,
	}
)

// noisyAnnotations are annotations other tools maintain on live objects; they never
// come from git, so a diff that shows them is noise.
var noisyAnnotations = []string{
	lastAppliedAnnotation,
	"deployment.kubernetes.io/revision",
}

// noisyMetadata are metadata fields the API server maintains.
var noisyMetadata = []string{
	"managedFields",
	"resourceVersion",
	"uid",
	"generation",
	"creationTimestamp",
	"selfLink",
	"deletionTimestamp",
	"deletionGracePeriodSeconds",
}

// lastAppliedAnnotation is written by client-side kubectl apply; it holds the whole
// object as last applied (for a Secret: its data).
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// Normalize returns a copy of u without server-maintained noise: the metadata fields
// managedFields, resourceVersion, uid, generation, creationTimestamp, selfLink,
// deletionTimestamp and deletionGracePeriodSeconds, the annotations
// kubectl.kubernetes.io/last-applied-configuration and deployment.kubernetes.io/revision,
// empty label and annotation maps, and status. It returns nil for nil.
func Normalize(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	return normalize(u.DeepCopy())
}

// normalize removes the noise Normalize removes from out, in place; out may be a
// shallowCopy (only the maps shallowCopy copies are edited).
func normalize(out *unstructured.Unstructured) *unstructured.Unstructured {
	if out == nil || out.Object == nil {
		return out
	}
	for _, f := range noisyMetadata {
		unstructured.RemoveNestedField(out.Object, "metadata", f)
	}
	for _, a := range noisyAnnotations {
		unstructured.RemoveNestedField(out.Object, "metadata", "annotations", a)
	}
	for _, f := range []string{"annotations", "labels"} {
		if m, ok := nestedMap(out.Object, "metadata", f); ok && len(m) == 0 {
			unstructured.RemoveNestedField(out.Object, "metadata", f)
		}
	}
	delete(out.Object, "status")
	return out
}

// Equal reports whether before and after are equal once Normalize has removed the
// server-maintained noise: the test for an unchanged object. Two nils are equal.
func Equal(before, after *unstructured.Unstructured) bool {
	if before == nil || after == nil {
		return before == nil && after == nil
	}
	// JSON encoding sorts map keys and writes int64(1) and float64(1) alike, so it
	// compares content rather than Go representations.
	a, errA := json.Marshal(normalize(shallowCopy(before)).Object)
	b, errB := json.Marshal(normalize(shallowCopy(after)).Object)
	if errA != nil || errB != nil {
		return false
	}
	return bytes.Equal(a, b)
}

// UnifiedDiff renders a unified diff, with 3 lines of context, of the YAML of before
// (the live object, header "live/<id>") against after (the object from git after
// apply, header "git/<id>"), both normalized and with Secret values masked. Either
// may be nil (a create or a delete). It returns "" when there is no difference.
// The output is deterministic: YAML keys are sorted.
//
// The tool's own bookkeeping (the ApplySet's part-of label, the applied-hash
// annotation) is left out of both sides, unless it is the only difference.
func UnifiedDiff(id object.ID, before, after *unstructured.Unstructured) (string, error) {
	d, err := unifiedYAMLDiff(id, withoutBookkeeping(before), withoutBookkeeping(after))
	if d != "" || err != nil {
		return d, err
	}
	return unifiedYAMLDiff(id, before, after)
}

// withoutBookkeeping is a shallow copy of u without the tool's bookkeeping labels and
// annotations (u itself is not changed); nil for nil.
func withoutBookkeeping(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil || u.Object == nil {
		return u
	}
	c := shallowCopy(u) // its label and annotation maps are copies
	for field, keys := range map[string][]string{"labels": bookkeepingLabels, "annotations": bookkeepingAnnotations} {
		if m, ok := nestedMap(c.Object, "metadata", field); ok {
			for _, k := range keys {
				delete(m, k)
			}
		}
	}
	return c
}

func unifiedYAMLDiff(id object.ID, before, after *unstructured.Unstructured) (string, error) {
	b, a := normalize(shallowCopy(before)), normalize(shallowCopy(after))
	maskSecretsInPlace(b, a)
	bText, err := toYAML(b)
	if err != nil {
		return "", fmt.Errorf("diff %s: live object: %w", id, err)
	}
	aText, err := toYAML(a)
	if err != nil {
		return "", fmt.Errorf("diff %s: object from git: %w", id, err)
	}
	if bText == aText {
		return "", nil
	}
	return unifiedDiff(splitLines(bText), splitLines(aText), "live/"+id.String(), "git/"+id.String()), nil
}

// toYAML renders u as sigs.k8s.io/yaml.Marshal does: JSON, read back and written by
// go-yaml v2. When u holds only strings, booleans, integers, nulls and non-nil maps and
// lists, go-yaml v2 writes it directly, byte for byte as it writes those values read back
// from their JSON, without the round trip (most of the cost of a diff). Anything else
// takes the round trip: floats (JSON and YAML spell them differently), nil maps and
// lists (JSON writes null), invalid UTF-8 (JSON replaces it).
func toYAML(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	marshal := yaml.Marshal
	if plainYAML(u.Object) {
		marshal = yamlv2.Marshal
	}
	out, err := marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("marshal YAML: %w", err)
	}
	return string(out), nil
}

// plainYAML reports whether go-yaml v2 writes v as it writes v's JSON read back.
func plainYAML(v interface{}) bool {
	switch t := v.(type) {
	case nil, bool, int64, int:
		return true
	case string:
		return utf8.ValidString(t)
	case map[string]interface{}:
		if t == nil {
			return false
		}
		for k, e := range t {
			if !utf8.ValidString(k) || !plainYAML(e) {
				return false
			}
		}
		return true
	case []interface{}:
		if t == nil {
			return false
		}
		for _, e := range t {
			if !plainYAML(e) {
				return false
			}
		}
		return true
	}
	return false
}

// splitLines splits s after each newline; every line ends with "\n" and there is no
// empty last line (difflib.SplitLines adds one).
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

// autoJunkLines is the size of the changed region (after the common beginning and
// end are set aside) above which difflib's "popular line" heuristic is turned on.
// Without it, diffs of YAML with many repeated lines (long lists, CRD schemas) stay
// minimal; with it, the matcher stays fast on large rewrites (its cost without the
// heuristic grows with the cube of the region in the worst case: about 0.5 s at 1,200
// lines of identical list items).
const autoJunkLines = 1000

// unifiedDiff writes a unified diff like difflib.WriteUnifiedDiff, but matches only
// the region between the common beginning and end, choosing the matcher's junk
// heuristic by that region's size.
func unifiedDiff(a, b []string, from, to string) string {
	var sb strings.Builder
	for i, g := range groupOpCodes(opCodes(a, b), diffContext) {
		if i == 0 {
			fmt.Fprintf(&sb, "--- %s\n+++ %s\n", from, to)
		}
		first, last := g[0], g[len(g)-1]
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", unifiedRange(first.I1, last.I2), unifiedRange(first.J1, last.J2))
		for _, c := range g {
			if c.Tag == 'e' {
				writePrefixed(&sb, " ", a[c.I1:c.I2])
				continue
			}
			if c.Tag == 'r' || c.Tag == 'd' {
				writePrefixed(&sb, "-", a[c.I1:c.I2])
			}
			if c.Tag == 'r' || c.Tag == 'i' {
				writePrefixed(&sb, "+", b[c.J1:c.J2])
			}
		}
	}
	return sb.String()
}

// opCodes are the edit operations turning a into b: the common beginning and end as
// equal runs, difflib's operations for the region between them.
func opCodes(a, b []string) []difflib.OpCode {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var codes []difflib.OpCode
	add := func(c difflib.OpCode) {
		if n := len(codes); n > 0 && c.Tag == 'e' && codes[n-1].Tag == 'e' {
			codes[n-1].I2, codes[n-1].J2 = c.I2, c.J2
			return
		}
		codes = append(codes, c)
	}
	if pre > 0 {
		add(difflib.OpCode{Tag: 'e', I1: 0, I2: pre, J1: 0, J2: pre})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	switch {
	case len(ma) == 0 && len(mb) > 0: // lines added only (a create): what the matcher would say
		add(difflib.OpCode{Tag: 'i', I1: pre, I2: pre, J1: pre, J2: pre + len(mb)})
	case len(mb) == 0 && len(ma) > 0: // lines removed only (a delete)
		add(difflib.OpCode{Tag: 'd', I1: pre, I2: pre + len(ma), J1: pre, J2: pre})
	case len(ma)+len(mb) > 0:
		m := difflib.NewMatcherWithJunk(ma, mb, len(ma)+len(mb) > autoJunkLines, nil)
		for _, c := range m.GetOpCodes() {
			add(difflib.OpCode{Tag: c.Tag, I1: c.I1 + pre, I2: c.I2 + pre, J1: c.J1 + pre, J2: c.J2 + pre})
		}
	}
	if suf > 0 {
		add(difflib.OpCode{Tag: 'e', I1: len(a) - suf, I2: len(a), J1: len(b) - suf, J2: len(b)})
	}
	return codes
}

// groupOpCodes cuts the operations into hunks with n lines of context, as
// difflib.SequenceMatcher.GetGroupedOpCodes does.
func groupOpCodes(codes []difflib.OpCode, n int) [][]difflib.OpCode {
	if len(codes) == 0 {
		return nil
	}
	codes = append([]difflib.OpCode(nil), codes...)
	if c := &codes[0]; c.Tag == 'e' {
		c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
	}
	if c := &codes[len(codes)-1]; c.Tag == 'e' {
		c.I2, c.J2 = min(c.I2, c.I1+n), min(c.J2, c.J1+n)
	}
	var groups [][]difflib.OpCode
	var group []difflib.OpCode
	for _, c := range codes {
		if c.Tag == 'e' && c.I2-c.I1 > 2*n {
			group = append(group, difflib.OpCode{Tag: 'e', I1: c.I1, I2: min(c.I2, c.I1+n), J1: c.J1, J2: min(c.J2, c.J1+n)})
			groups = append(groups, group)
			group = nil
			c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
		}
		group = append(group, c)
	}
	if len(group) > 0 && !(len(group) == 1 && group[0].Tag == 'e') {
		groups = append(groups, group)
	}
	return groups
}

func writePrefixed(sb *strings.Builder, prefix string, lines []string) {
	for _, l := range lines {
		sb.WriteString(prefix)
		sb.WriteString(l)
	}
}

// unifiedRange formats a hunk range as POSIX diff does: "start,length", "start" for
// one line, and the line before the range for an empty one.
func unifiedRange(start, stop int) string {
	beginning, length := start+1, stop-start
	switch length {
	case 1:
		return fmt.Sprintf("%d", beginning)
	case 0:
		beginning--
	}
	return fmt.Sprintf("%d,%d", beginning, length)
}

// shallowCopy returns a copy of u that shares u's content except the maps this
// package edits when it normalizes, masks or strips bookkeeping: the top level,
// metadata with its labels and annotations, and data and stringData (a Secret's
// values). Nothing else of the copy may be edited. It returns nil for nil.
func shallowCopy(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	out := maps.Clone(u.Object)
	if md, ok := out["metadata"].(map[string]interface{}); ok {
		md = maps.Clone(md)
		for _, k := range []string{"labels", "annotations"} {
			if m, ok := md[k].(map[string]interface{}); ok {
				md[k] = maps.Clone(m)
			}
		}
		out["metadata"] = md
	}
	for _, f := range secretFields {
		if m, ok := out[f].(map[string]interface{}); ok {
			out[f] = maps.Clone(m)
		}
	}
	return &unstructured.Unstructured{Object: out}
}

func nestedMap(obj map[string]interface{}, fields ...string) (map[string]interface{}, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(obj, fields...)
	if !found || err != nil {
		return nil, false
	}
	m, ok := v.(map[string]interface{})
	return m, ok
}
